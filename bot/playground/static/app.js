// The playground page: pick a demo person, chat with the bot, press its buttons, move time.
// Plain JavaScript, no build step. Texts are rendered with textContent from the message's
// entities (never as HTML), so nothing the bot or a person writes can run here.
"use strict";

const english = (navigator.language || "de").toLowerCase().startsWith("en");
const lang = english ? "en" : "de";
const $ = (selector) => document.querySelector(selector);
let people = [];
let person = null;
let version = -1;
let polling = 0;
let seen = JSON.parse(sessionStorage.getItem("seen") || "{}");
let lastShown = "";

function label(element) {
  const text = element.dataset[lang];
  if (text !== undefined) element.textContent = text;
  const placeholder = element.getAttribute(`data-${lang}-placeholder`);
  if (placeholder) element.placeholder = placeholder;
}

function formatTime(iso, withDate) {
  if (!iso) return "";
  const [day, time] = iso.split("T");
  const [y, m, d] = day.split("-");
  const hm = time.slice(0, 5);
  if (!withDate) return hm;
  const weekday = new Date(`${day}T12:00:00`).toLocaleDateString(english ? "en-GB" : "de-DE", { weekday: "short" });
  return english ? `${weekday} ${d}/${m}/${y}, ${hm}` : `${weekday}, ${d}.${m}.${y}, ${hm} Uhr`;
}

async function api(path, body) {
  const options = body instanceof FormData
    ? { method: "POST", body }
    : body !== undefined
      ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }
      : {};
  const response = await fetch(path, options);
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

function toast(text) {
  const box = $("#toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 2500);
}

function renderPeople(counts) {
  // The buttons are made once; later only who is chosen and the unread counts change.
  const nav = $("#people");
  if (!nav.children.length) {
    for (const p of people) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "person";
      button.dataset.person = p.key;
      button.append(p.name);
      const small = document.createElement("small");
      small.textContent = `${english ? p.role_en : p.role_de} · ${p.organisation}`;
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.hidden = true;
      button.append(small, badge);
      button.addEventListener("click", () => choose(p.key));
      nav.append(button);
    }
  }
  for (const button of nav.children) {
    const key = button.dataset.person;
    button.setAttribute("aria-pressed", String(key === person));
    const unread = (counts[key] || 0) - (seen[key] || 0);
    const badge = button.querySelector(".badge");
    badge.hidden = key === person || !(unread > 0);
    badge.textContent = String(unread);
  }
}

function styled(text, entities) {
  // Telegram's entities: offsets and lengths in UTF-16 code units, which is what JS indexes.
  const cuts = new Set([0, text.length]);
  for (const e of entities) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((n) => n >= 0 && n <= text.length).sort((a, b) => a - b);
  const fragment = document.createDocumentFragment();
  for (let i = 0; i < points.length - 1; i++) {
    const [start, end] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(start, end));
    for (const e of entities) {
      if (e.offset > start || e.offset + e.length < end) continue;
      const tag = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
        pre: "pre", blockquote: "blockquote", expandable_blockquote: "blockquote",
        spoiler: "span", text_link: "a", url: "a" }[e.type];
      if (!tag) continue;
      const wrapper = document.createElement(tag);
      if (e.type === "spoiler") wrapper.className = "spoiler";
      if (tag === "a") {
        const url = e.type === "url" ? text.slice(e.offset, e.offset + e.length) : e.url;
        if (/^https?:\/\//.test(url || "")) {
          wrapper.href = url;
          wrapper.target = "_blank";
          wrapper.rel = "noopener noreferrer";
        }
      }
      wrapper.append(node);
      node = wrapper;
    }
    fragment.append(node);
  }
  return fragment;
}

function keyboard(message) {
  const box = document.createElement("div");
  box.className = "keyboard";
  message.buttons.forEach((row, r) => {
    const line = document.createElement("div");
    line.className = "row";
    row.forEach((b, c) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.text;
      button.addEventListener("click", () => (b.url ? openLink(b.url) : press(message.id, r, c)));
      line.append(button);
    });
    box.append(line);
  });
  return box;
}

function renderMessage(message) {
  const item = document.createElement("li");
  item.className = `msg ${message.from}`;
  item.dataset.id = message.id;
  if (message.file && message.kind === "photo") {
    const img = document.createElement("img");
    img.src = `/api/file/${encodeURIComponent(message.file.id)}`;
    img.alt = english ? "Chart" : "Diagramm";
    item.append(img);
  } else if (message.file) {
    const a = document.createElement("a");
    a.className = "doc";
    a.href = `/api/file/${encodeURIComponent(message.file.id)}`;
    a.download = message.file.name || "datei";
    a.textContent = message.file.name || "datei";
    item.append(a, document.createElement("br"));
  }
  item.append(styled(message.text || "", message.entities || []));
  if (message.buttons.length) item.append(keyboard(message));
  const time = document.createElement("time");
  time.textContent = formatTime(message.at, false) + (message.edited ? (english ? " · edited" : " · bearbeitet") : "");
  item.append(time);
  return item;
}

function updateList(messages) {
  // Messages stay the same elements while they live; an edited one gets new content.
  const list = $("#messages");
  const old = new Map([...list.children].map((li) => [li.dataset.id, li]));
  let previous = null;
  for (const message of messages) {
    const key = String(message.id);
    const json = JSON.stringify(message);
    let item = old.get(key);
    if (!item) {
      item = renderMessage(message);
    } else if (item.dataset.json !== json) {
      const fresh = renderMessage(message);
      item.replaceChildren(...fresh.childNodes);
    }
    item.dataset.json = json;
    old.delete(key);
    const place = previous ? previous.nextSibling : list.firstChild;
    if (place !== item) list.insertBefore(item, place);
    previous = item;
  }
  for (const gone of old.values()) gone.remove();
}

function render(data) {
  $("#clock").textContent = formatTime(data.now, true);
  seen[person] = data.counts[person] || 0;
  sessionStorage.setItem("seen", JSON.stringify(seen));
  renderPeople(data.counts);
  $("#invite").hidden = !data.invite;
  if (data.invite) $("#invite-link").textContent = data.invite;
  $("#invite-link").href = data.invite || "#";
  $("#empty").hidden = data.messages.length > 0 || Boolean(data.invite);
  const shown = JSON.stringify(data.messages);
  if (shown !== lastShown) {
    const main = $("#chat");
    const atBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 80;
    updateList(data.messages);
    if (atBottom || !lastShown) main.scrollTop = main.scrollHeight;
    lastShown = shown;
  }
  const commands = $("#commands");
  commands.textContent = "";
  for (const c of data.commands) {
    const button = document.createElement("button");
    button.type = "button";
    button.append(`/${c.command} `);
    const small = document.createElement("small");
    small.textContent = c.description;
    button.append(small);
    button.addEventListener("click", () => { commands.hidden = true; say(`/${c.command}`); });
    commands.append(button);
  }
}

async function poll(round) {
  while (round === polling) {
    try {
      const data = await api(`/api/chat?person=${encodeURIComponent(person)}&since=${version}`);
      if (round !== polling) return;
      version = data.version;
      render(data);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

function choose(key) {
  person = key;
  localStorage.setItem("person", key);
  version = -1;
  lastShown = "";
  $("#messages").textContent = "";
  polling += 1;
  renderPeople({});
  poll(polling);
}

async function say(text) {
  try { await api("/api/send", { person, text }); } catch (error) { toast(error.message); }
}

async function press(message, row, column) {
  try {
    const answer = await api("/api/press", { person, message, row, column });
    if (answer.text) toast(answer.text);
  } catch (error) {
    toast(english ? "This button is no longer there." : "Diese Schaltfläche gibt es nicht mehr.");
  }
}

async function openLink(url) {
  if (/^https:\/\/t\.me\//.test(url)) {
    try { await api("/api/link", { person, url }); } catch (error) { toast(error.message); }
  } else {
    window.open(url, "_blank", "noopener");
  }
}

async function step(button) {
  const buttons = document.querySelectorAll(".step");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const data = await api("/api/time", { step: button.dataset.step });
    $("#clock").textContent = formatTime(data.now, true);
  } catch (error) {
    toast(error.message);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    // How many moves of the clock finished (the browser tests wait for it).
    document.body.dataset.moves = String(Number(document.body.dataset.moves || 0) + 1);
  }
}

async function start() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-de]").forEach(label);
  document.querySelectorAll("[data-de-placeholder]").forEach(label);
  const state = await api("/api/state");
  people = state.people;
  $("#bot-name").textContent = state.bot;
  $("#clock").textContent = formatTime(state.now, true);
  document.querySelectorAll(".step").forEach((b) => b.addEventListener("click", () => step(b)));
  $("#send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("#text").value.trim();
    if (!text) return;
    $("#text").value = "";
    say(text);
  });
  $("#menu").addEventListener("click", () => { $("#commands").hidden = !$("#commands").hidden; });
  $("#invite-open").addEventListener("click", () => openLink($("#invite-link").href));
  $("#invite-link").addEventListener("click", (event) => { event.preventDefault(); openLink($("#invite-link").href); });
  $("#file").addEventListener("change", async () => {
    const chosen = $("#file").files[0];
    if (!chosen) return;
    const form = new FormData();
    form.append("person", person);
    form.append("file", chosen);
    $("#file").value = "";
    try { await api("/api/upload", form); } catch (error) { toast(error.message); }
  });
  const remembered = localStorage.getItem("person");
  choose(people.some((p) => p.key === remembered) ? remembered : people[0].key);
}

start();
