// Loads the page's app (settings or outbox, from <html data-app>) in the seller's language.
// Each app has a build per language that carries only that language's texts (see
// scripts/build-frontend.sh). The choice follows the page's rule in
// frontend/src/language.rs: the stored choice, else the browser's first language the page
// speaks, else German. A file of its own, because the Content Security Policy allows no inline
// scripts.
const languages = ["de", "en"];

function storedChoice() {
  try {
    return (localStorage.getItem("postausgang.language") || "").replaceAll('"', "");
  } catch {
    return "";
  }
}

function chooseLanguage() {
  const stored = storedChoice();
  if (languages.includes(stored)) {
    return stored;
  }
  for (const tag of navigator.languages || []) {
    const primary = tag.split("-")[0].toLowerCase();
    if (languages.includes(primary)) {
      return primary;
    }
  }
  return "de";
}

const app = document.documentElement.dataset.app === "outbox" ? "outbox" : "settings";
const language = chooseLanguage();
const { default: init } = await import(`./${app}_${language}.js`);
await init({ module_or_path: `./${app}_${language}_bg.wasm` });
