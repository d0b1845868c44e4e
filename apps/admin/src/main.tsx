import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { z } from "zod";

import { App } from "./app.tsx";
import "./index.css";

// zod sets its English messages as a module side effect, which the bundler drops (zod declares
// none): without this every built-in message ("Too small: expected string to have >=1
// characters") read "Invalid input" in the console. The console then shows them in its language
// (lib/i18n/validation.ts).
z.config(z.locales.en());
// The API's Content-Security-Policy allows no eval (apps/api/src/http/security-headers.ts): zod
// must not try its `new Function` fast path, which the policy would refuse and report.
z.config({ jitless: true });

const root = document.getElementById("root");
if (!root) {
  throw new Error("index.html has no #root element");
}
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
