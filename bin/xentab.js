#!/usr/bin/env node
// `npx xentab …`: the command line front door (src/cli/main.ts), run through tsx's loader.
import './v8_tuning.js';
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
