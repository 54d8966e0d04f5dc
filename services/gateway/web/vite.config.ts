/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` serves the app with hot reload and forwards the API, the WebSocket and HLS to a
// running gateway (SHOPCAST_GATEWAY_URL, default http://127.0.0.1:8080), so the app still talks
// only to its own origin.
const gateway = process.env.SHOPCAST_GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 900 },
  server: {
    proxy: {
      '/api': { target: gateway, changeOrigin: false },
      '/live': { target: gateway, changeOrigin: false },
      '/vod': { target: gateway, changeOrigin: false },
      '/images': { target: gateway, changeOrigin: false },
      '/ws': { target: gateway, ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
