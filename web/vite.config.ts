import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * The gateway serves dist/index.html at /api/home and the assets under /,
 * with a CSP that forbids inline script and style: everything goes to files,
 * nothing is inlined as data: (assetsInlineLimit 0), and Vue is the runtime-only
 * build with templates precompiled, so no eval is needed.
 */
export default defineConfig({
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    // For `npm run dev -w web` next to a running stack (gateway on 7071 by default).
    proxy: { '/api': process.env.PARLEY_GATEWAY_URL ?? 'http://127.0.0.1:7071' },
  },
});
