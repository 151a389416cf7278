import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web app: built into dist/web, which the server reads at start. No dev server or CDN:
// every script, style and font the page uses is in the bundle, so it works offline.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
