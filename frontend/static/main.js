// Loads the page's wasm. A file of its own, because the Content Security Policy allows no
// inline scripts.
import init from "./frontend.js";

init({ module_or_path: "./frontend_bg.wasm" });
