#!/usr/bin/env node
// The `tw` executable: a committed shim, so npm can link the bin at install
// time, before `tsc -b` has written dist/.
import '../dist/main.js';
