// Builds the inspector into dist/renderer, served by `locald up` and loaded by the desktop app.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  // Relative asset URLs work both at http://locald.localhost:<port>/ and inside the desktop app.
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // The CSP allows only 'self' scripts: no inline module preload polyfill.
    modulePreload: { polyfill: false },
  },
});
