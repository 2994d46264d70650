import { defineConfig } from 'vite';

// The console is served by every region at /console/ and calls only the public API.
export default defineConfig({
  root: 'console',
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: '../dist/console', emptyOutDir: true, sourcemap: true },
});
