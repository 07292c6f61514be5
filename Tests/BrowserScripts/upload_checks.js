// Runs Resources/static/app.js against a minimal stand-in for the New dataset form and reports, per case,
// whether the form was submitted and which messages appeared. Usage: node upload_checks.js path/to/app.js
"use strict";
const fs = require("fs");
const vm = require("vm");
const source = fs.readFileSync(process.argv[2], "utf8");

function runCase(name, mode, prompt, fileText) {
  return new Promise((resolve) => {
    const attributes = {};
    const handlers = {};
    const slots = { file: { hidden: true, textContent: "" }, skill_prompt: { hidden: true, textContent: "" } };
    let submitted = false;
    const bytes = Buffer.from(fileText, "utf8");
    const file = {
      size: bytes.length,
      slice: (start, end) => ({ arrayBuffer: () => Promise.resolve(bytes.subarray(start, end)) }),
    };
    const form = {
      getAttribute: (key) => (key in attributes ? attributes[key] : null),
      setAttribute: (key, value) => { attributes[key] = String(value); },
      addEventListener: (type, handler) => { handlers[type] = handler; },
      submit: () => { submitted = true; },
      querySelector: (selector) => {
        if (selector === "input[name=mode]:checked") return { value: mode };
        if (selector === "textarea[name=skill_prompt]") return { value: prompt };
        if (selector === "input[type=file]") return { files: [file] };
        const slot = /^\[data-client-error=(\w+)\]$/.exec(selector);
        if (slot) return slots[slot[1]] || null;
        return null;
      },
    };
    const documentStub = {
      querySelector: (selector) => (selector === "[data-dataset-form]" ? form : null),
      querySelectorAll: () => [],
    };
    const context = { document: documentStub, TextEncoder, TextDecoder, Promise, setTimeout, clearTimeout, URLSearchParams };
    context.window = context;
    vm.runInNewContext(source, context);
    handlers.submit({ preventDefault: () => {} });
    setTimeout(() => {
      resolve({
        name, submitted,
        file: slots.file.hidden ? "" : slots.file.textContent,
        skill_prompt: slots.skill_prompt.hidden ? "" : slots.skill_prompt.textContent,
      });
    }, 50);
  });
}

const chat = '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n'.repeat(50);
const seeds = '{"input":"Write a tagline"}\n'.repeat(5);
Promise.all([
  runCase("blank_prompt", "seeds", "  \n ", seeds),
  runCase("chat_as_seeds", "seeds", "Be brief.", chat),
  runCase("seeds_ok", "seeds", "Be brief.", seeds),
  runCase("seeds_as_chat", "chat", "", seeds),
  runCase("chat_ok", "chat", "", chat),
]).then((results) => { process.stdout.write(JSON.stringify(results)); });
