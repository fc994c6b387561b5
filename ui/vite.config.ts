import { defineConfig } from "vitest/config";

export default defineConfig({
  // Tauri serves the built files itself: relative asset paths, no inline scripts.
  base: "./",
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    // The dev-only mock reads the core's golden files beside ui/.
    fs: { allow: [".."] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
    testTimeout: 20000,
  },
});
