// `postpack`: puts back the package.json that scripts/prepack.mjs rewrote for npm.
import { existsSync, renameSync } from 'node:fs';

if (existsSync('package.json.workspace')) renameSync('package.json.workspace', 'package.json');
