// The browser application of the web console. `npm start` and the image build it with `vite build`;
// the console's server (src/) serves the output and forwards /api/... to the services.
import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: fileURLToPath(new URL('./client', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: { sourcemap: true, target: 'es2022' },
});
