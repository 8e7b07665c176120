#!/usr/bin/env node
// The local OpenID provider on its own (see packages/dev-oidc/README.md).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
