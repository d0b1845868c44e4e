import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = "http://127.0.0.1:3000";

export default defineConfig(({ mode }) => ({
  plugins: [react(), tailwindcss()],
  server: {
    port: 5173,
    proxy: {
      "/trpc": { target: api, changeOrigin: false },
      "/api": { target: api, changeOrigin: false },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No source maps in the production build: the API serves dist/ to anyone, and a map hands out the
    // console's whole source (the API refuses `*.map` anyway). The dev server has its own, always;
    // `vite build --mode development` makes them for debugging a build.
    sourcemap: mode !== "production",
    rollupOptions: {
      output: {
        manualChunks: {
          react: ["react", "react-dom", "react-router"],
          data: ["@tanstack/react-query", "@trpc/client", "@trpc/tanstack-react-query"],
          zod: ["zod"],
        },
      },
    },
  },
}));
