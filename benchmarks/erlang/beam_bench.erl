%% The Erlang/OTP reference for `pnpm bench`: the same workloads as the VM's (benchmarks/src/
%% workloads), run by the harness with `erl +S N` in the same run. Each call prints one line
%% per timed run: "ms <milliseconds> <result>", after one untimed warm-up run.
%%   erl -noshell +S 2 -pa DIR -run beam_bench main pingpong 5 40000 -s init stop
-module(beam_bench).
-export([main/1]).

main([Name, Reps | Args]) ->
    Params = [list_to_integer(A) || A <- Args],
    Run = fun() -> run(list_to_atom(Name), Params) end,
    _ = Run(),
    lists:foreach(fun(_) ->
        T0 = erlang:monotonic_time(microsecond),
        Result = Run(),
        T1 = erlang:monotonic_time(microsecond),
        io:format("ms ~.3f ~p~n", [(T1 - T0) / 1000, Result])
    end, lists:seq(1, list_to_integer(Reps))).

%% main spawns Count processes that each send one message back, then receives them all.
run(spawn, [Count]) ->
    Self = self(),
    [spawn(fun() -> Self ! done end) || _ <- lists:seq(1, Count)],
    receive_n(Count, done);
%% 1,000 processes pass a token Hops times around a ring.
run(ring, [Procs, Hops]) ->
    Self = self(),
    First = lists:foldl(fun(_, Next) -> spawn(fun() -> ring_node(Next) end) end, Self, lists:seq(1, Procs - 1)),
    First ! {token, Hops},
    ring_main(First);
run(pingpong, [Pings]) ->
    Pong = spawn(fun pong/0),
    ping(Pong, Pings),
    Pong ! stop,
    Pings;
run(counting, [N]) ->
    Self = self(),
    Counter = spawn(fun() -> counter(0, Self) end),
    [Counter ! inc || _ <- lists:seq(1, N)],
    Counter ! get,
    receive {count, C} -> C end;
run(threadring, [Actors, Hops]) ->
    Self = self(),
    Pids = [spawn(fun() -> tr_wait(Self) end) || _ <- lists:seq(1, Actors)],
    Ring = lists:zip(Pids, tl(Pids) ++ [hd(Pids)]),
    [P ! {next, N} || {P, N} <- Ring],
    hd(Pids) ! {token, Hops},
    receive {done, Id} -> [P ! stop || P <- Pids], Id end;
run(fjthroughput, [Actors, Messages]) ->
    Self = self(),
    Pids = [spawn(fun() -> fjt_worker(Messages, Self) end) || _ <- lists:seq(1, Actors)],
    [[P ! msg || P <- Pids] || _ <- lists:seq(1, Messages)],
    receive_n(Actors, done),
    Actors * Messages;
run(fjcreation, [N]) ->
    Self = self(),
    [spawn(fun() -> receive msg -> sin2(37.2), Self ! done end end) ! msg || _ <- lists:seq(1, N)],
    receive_n(N, done),
    N;
run(big, [Actors, Pings]) ->
    Self = self(),
    Pids = [spawn(fun() -> big_wait(Self, Pings) end) || _ <- lists:seq(1, Actors)],
    Tuple = list_to_tuple(Pids),
    [P ! {peers, Tuple} || P <- Pids],
    receive_n(Actors, done),
    [P ! stop || P <- Pids],
    Actors * Pings;
run(chameneos, [Creatures, Meetings]) ->
    Self = self(),
    Mall = spawn(fun() -> mall(Meetings, none, 0, Creatures, Self) end),
    [spawn(fun() -> creature(Mall, I rem 3, 0) end) || I <- lists:seq(1, Creatures)],
    receive {meetings, Total} -> Total end.

receive_n(0, _) -> ok;
receive_n(N, Msg) -> receive Msg -> receive_n(N - 1, Msg) end.

ring_node(Next) ->
    receive
        {token, 0} = T -> Next ! T;
        {token, N} -> Next ! {token, N - 1}, ring_node(Next)
    end.
ring_main(First) ->
    receive
        {token, 0} -> done;
        {token, N} -> First ! {token, N - 1}, ring_main(First)
    end.

pong() -> receive {ping, From, N} -> From ! {pong, N}, pong(); stop -> ok end.
ping(_, 0) -> ok;
ping(Pong, N) -> Pong ! {ping, self(), N}, receive {pong, N} -> ping(Pong, N - 1) end.

counter(C, Main) -> receive inc -> counter(C + 1, Main); get -> Main ! {count, C} end.

tr_wait(Main) -> receive {next, Next} -> tr_loop(Next, Main) end.
tr_loop(Next, Main) ->
    receive
        {token, 0} -> Main ! {done, self()}, tr_loop(Next, Main);
        {token, N} -> Next ! {token, N - 1}, tr_loop(Next, Main);
        stop -> ok
    end.

fjt_worker(0, Main) -> Main ! done;
fjt_worker(N, Main) -> receive msg -> sin2(37.2), fjt_worker(N - 1, Main) end.

sin2(X) -> S = math:sin(X), S * S.

big_wait(Main, Pings) -> receive {peers, Peers} -> big_loop(Peers, Pings, 0, Main) end.
big_loop(Peers, Left, Answers, Main) ->
    Sent = (Left > 0) andalso begin
        element(rand:uniform(tuple_size(Peers)), Peers) ! {ping, self()}, true
    end,
    Left1 = if Sent -> Left - 1; true -> Left end,
    big_recv(Peers, Left1, Answers, Main, Sent).
big_recv(Peers, Left, Answers, Main, true) ->
    receive
        {ping, From} -> From ! pong, big_recv(Peers, Left, Answers, Main, true);
        pong ->
            A = Answers + 1,
            if Left =:= 0 -> Main ! done, big_serve(); true -> big_loop(Peers, Left, A, Main) end;
        stop -> ok
    end;
big_recv(_, _, _, Main, false) -> Main ! done, big_serve().
big_serve() -> receive {ping, From} -> From ! pong, big_serve(); stop -> ok; pong -> big_serve() end.

mall(0, Waiting, Total, Creatures, Main) ->
    case Waiting of none -> ok; {P, _} -> P ! stop end,
    mall_stop(Creatures - (case Waiting of none -> 0; _ -> 1 end), Total, Main);
mall(Left, none, Total, Creatures, Main) ->
    receive {meet, P, Colour} -> mall(Left, {P, Colour}, Total, Creatures, Main) end;
mall(Left, {P1, C1}, Total, Creatures, Main) ->
    receive {meet, P2, C2} ->
        P1 ! {met, C2}, P2 ! {met, C1},
        mall(Left - 1, none, Total + 2, Creatures, Main)
    end.
mall_stop(0, Total, Main) -> Main ! {meetings, Total};
mall_stop(N, Total, Main) -> receive {meet, P, _} -> P ! stop, mall_stop(N - 1, Total, Main) end.

creature(Mall, Colour, Met) ->
    Mall ! {meet, self(), Colour},
    receive
        {met, Other} -> creature(Mall, complement(Colour, Other), Met + 1);
        stop -> ok
    end.
complement(C, C) -> C;
complement(A, B) -> 3 - A - B.
