/* certgen: the "Request a certificate" page. The form is generated from the request schema
   (schemas/request.schema.js: the published schemas/request.schema.json as a script, so the page
   works from disk too), checked in the browser with Ajv (draft 2020-12, the schema certgen check
   uses) and saved as a YAML request file built in the browser (a Blob). Nothing is sent
   anywhere: the page loads only the site's own scripts. Text is always set with textContent. */
(function () {
  "use strict";
  /* Fields the certificate desk sets, never the client. */
  var DESK = ["id", "kind", "prepared_by", "requested_at", "status", "issuance", "cancellation",
    "supersedes", "superseded_by", "policy_exception"];
  var PREPARED_BY = "request-page"; /* replaced by the desk with the staff member who files it */
  var MODELINE = "# yaml-language-server: $schema=../../schemas/request.schema.json";
  var CONFIDENTIAL = "Confidential: stays in your file, send the file privately";
  var IDENTIFIER = /^[a-z][a-z0-9_]*$/;

  var schema, validateRequest, ajv;
  var state = { kind: "", raws: {}, open: {}, checked: false };
  var fields = {}; /* JSON pointer -> {title, box, message, input} of the form as rendered */
  var formRoot, summary;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }
  function idOf(path) { return "certgen-rq-" + (path.length ? path.join("-") : "root"); }
  function pointerOf(path) {
    return path.map(function (p) { return "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1"); }).join("");
  }

  /* A node with its $ref followed; the referring node's own keywords (title, description) win. */
  function resolve(node) {
    for (var hops = 0; isObject(node) && node.$ref && hops < 20; hops++) {
      var target = schema;
      node.$ref.replace(/^#\/?/, "").split("/").forEach(function (part) {
        if (part) target = target[part.replace(/~1/g, "/").replace(/~0/g, "~")];
      });
      var merged = Object.assign({}, target, node);
      if (target.$ref) merged.$ref = target.$ref; else delete merged.$ref;
      node = merged;
    }
    return node;
  }
  function typeOf(node) {
    if (Array.isArray(node.type)) return "union";
    if (node.type) return node.type;
    if (node.properties) return "object";
    return "string";
  }

  /* The request kinds: the top-level allOf's "if kind is X then <request schema>". */
  function kinds() {
    return (schema.allOf || []).filter(function (entry) {
      return entry.if && entry.if.properties && entry.if.properties.kind;
    }).map(function (entry) {
      var node = resolve(entry.then);
      return { value: entry.if.properties.kind.const, node: node, title: node.title };
    });
  }

  /* What an object's conditional subschemas (allOf if/then/else) add for its current value:
     fields that must be given, fields that must not (false), and the same for its children. */
  var tests = {};
  function holds(condition, value) {
    var key = JSON.stringify(condition);
    if (!tests[key]) tests[key] = ajv.compile(condition);
    return tests[key](value);
  }
  function effects(node, value) {
    var out = { hidden: {}, required: {}, sub: {} };
    (node.allOf || []).forEach(function (entry) { addConditional(out, resolve(entry), value); });
    return out;
  }
  function addConditional(out, entry, value) {
    if (entry.if) {
      var branch = holds(entry.if, isObject(value) ? value : {}) ? entry.then : entry.else;
      if (branch !== undefined) addEffect(out, resolve(branch));
    }
    (entry.allOf || []).forEach(function (inner) { addConditional(out, resolve(inner), value); });
  }
  function addEffect(out, node) {
    (node.required || []).forEach(function (name) { out.required[name] = true; });
    Object.keys(node.properties || {}).forEach(function (name) {
      var child = node.properties[name];
      if (child === false) out.hidden[name] = true;
      else if (isObject(child)) {
        out.sub[name] = out.sub[name] || { hidden: {}, required: {}, sub: {} };
        addEffect(out.sub[name], child);
      }
    });
  }
  function mergeEffects(a, b) {
    if (!b) return a;
    Object.assign(a.hidden, b.hidden);
    Object.assign(a.required, b.required);
    Object.keys(b.sub).forEach(function (name) {
      a.sub[name] = mergeEffects(a.sub[name] || { hidden: {}, required: {}, sub: {} }, b.sub[name]);
    });
    return a;
  }
  function objectRules(node, raw, extra) {
    var eff = mergeEffects(effects(node, raw), extra);
    var required = {};
    (node.required || []).forEach(function (name) { required[name] = true; });
    Object.assign(required, eff.required);
    return { eff: eff, required: required };
  }

  /* The request as the file will hold it, from what was typed (raw), in the schema's order. */
  function build(node, raw, required, inArray, extra) {
    node = resolve(node);
    if (node.const !== undefined) return node.const;
    var type = typeOf(node);
    if (type === "union") type = typeof raw === "string" || raw === undefined ? node.type[0] : "object";
    if (type === "object") {
      if (!isObject(raw)) raw = {};
      var rules = objectRules(node, raw, extra), out = {};
      Object.keys(node.properties || {}).forEach(function (name) {
        if (rules.eff.hidden[name]) return;
        var value = build(node.properties[name], raw[name], rules.required[name], false, rules.eff.sub[name]);
        if (value !== undefined) out[name] = value;
      });
      return required || inArray || entered(out) ? out : undefined;
    }
    if (type === "array") {
      var items = Array.isArray(raw) ? raw : [];
      if (!items.length) return required ? [] : undefined;
      return items.map(function (item) { return build(node.items || {}, item, true, true); });
    }
    if (raw === undefined || raw === "") return inArray && type === "string" ? "" : undefined;
    return raw;
  }

  /* Whether anything was typed in: a required part alone does not make an optional part. */
  function entered(value) {
    if (Array.isArray(value)) return value.some(entered);
    if (isObject(value)) return Object.keys(value).some(function (k) { return entered(value[k]); });
    return value !== undefined && value !== "";
  }

  function request() {
    var kind = kinds().filter(function (k) { return k.value === state.kind; })[0];
    var raw = state.raws[state.kind];
    var body = build(kind.node, Object.assign({}, raw, { status: "requested" }), true);
    var now = new Date(), at = localTime(now);
    var prefix = ((resolve(kind.node.properties.id).examples || ["XX"])[0]).slice(0, 2);
    var desk = {
      id: prefix + "-" + at.slice(0, 4) + "-0000",
      kind: kind.value,
      prepared_by: PREPARED_BY,
      requested_at: at,
      status: "requested"
    };
    var out = {};
    Object.keys(kind.node.properties).forEach(function (name) {
      if (desk[name] !== undefined) out[name] = desk[name];
      else if (body[name] !== undefined && DESK.indexOf(name) < 0) out[name] = body[name];
    });
    return out;
  }
  function two(n) { return String(n).padStart(2, "0"); }
  function localTime(date) {
    var offset = -date.getTimezoneOffset(), sign = offset < 0 ? "-" : "+";
    offset = Math.abs(offset);
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + "T" +
      two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds()) +
      sign + two(Math.floor(offset / 60)) + ":" + two(offset % 60);
  }

  /* The raw values, kept per kind so that switching kinds loses nothing. */
  function rawAt(path) {
    var value = state.raws[state.kind];
    for (var i = 0; i < path.length && value !== undefined; i++) value = value[path[i]];
    return value;
  }
  function setRaw(path, value, inArray) {
    var parent = state.raws[state.kind];
    for (var i = 0; i < path.length - 1; i++) {
      if (parent[path[i]] === undefined || parent[path[i]] === null) {
        parent[path[i]] = typeof path[i + 1] === "number" ? [] : {};
      }
      parent = parent[path[i]];
    }
    var last = path[path.length - 1];
    if (value === undefined && !inArray) delete parent[last]; else parent[last] = value;
  }

  /* ---- the form ---- */
  function label(text, forId, node, confidential) {
    var tag = element("label", null, "certgen-rq-label");
    tag.htmlFor = forId;
    tag.appendChild(element("span", text));
    if (confidential) tag.appendChild(element("span", CONFIDENTIAL, "certgen-rq-confidential"));
    return tag;
  }
  /* Help in words: certgen's own for the fields whose schema description names data files or
     ids (delivered with the schema), else the schema's, never one that names a file, an id or
     a command; examples only when they are not ids. */
  var INTERNAL = /data\/|\.ya?ml\b|\b[a-z0-9]+_[a-z0-9_]+\b|\bcertgen\s/;
  function keyOf(path) { return path.filter(function (part) { return typeof part !== "number"; }).join("."); }
  function helpText(node, path) {
    var own = (window.certgenRequestHelp || {})[keyOf(path)];
    if (own) return own;
    var text = node.description;
    if (!text) return null;
    if (node.examples && node.examples.length && typeof node.examples[0] !== "object") {
      text += " Example: " + node.examples[0] + ".";
    }
    return INTERNAL.test(text) ? null : text;
  }
  function help(node, path) {
    var text = helpText(node, path);
    return text ? element("p", text, "certgen-rq-help") : null;
  }
  /* The ids a field is chosen from, listed in words (service levels, documents, statements). */
  function choicesOf(path) { return (window.certgenRequestChoices || {})[keyOf(path)]; }
  function register(path, title, box, input) {
    var message = element("p", null, "certgen-rq-error");
    message.id = idOf(path) + "-error";
    message.hidden = true;
    box.appendChild(message);
    fields[pointerOf(path)] = { title: title, box: box, message: message, input: input };
  }
  function describe(input, ids) {
    input.setAttribute("aria-describedby", ids.filter(Boolean).join(" "));
  }

  function field(node, path, title, required, confidential, inArray, extra) {
    node = resolve(node);
    confidential = confidential || node["x-confidential"] === true;
    title = title || node.title || String(path[path.length - 1]);
    if (node.const !== undefined) return constant(node, path, title);
    var type = typeOf(node);
    if (type === "union") return union(node, path, title, required, confidential);
    if (type === "object") return objectField(node, path, title, required, confidential, inArray, extra);
    if (type === "array") return arrayField(node, path, title, required, confidential);
    if (type === "boolean") return booleanField(node, path, title, required, confidential);
    return inputField(node, path, title, required, confidential, inArray, type);
  }

  function constant(node, path, title) {
    var box = element("div", null, "certgen-rq-field");
    box.appendChild(element("p", title + ": " + labelOf(node.const), "certgen-rq-const"));
    register(path, title, box, null);
    return box;
  }

  /* The words each choice is listed in (certgen's word tables, delivered with the schema);
     the value a request file gets is the choice itself. */
  function labelOf(value) { return (window.certgenRequestLabels || {})[value] || value; }

  function inputField(node, path, title, required, confidential, inArray, type) {
    var id = idOf(path), box = element("div", null, "certgen-rq-field"), input;
    var text = title + (required ? " (required)" : "");
    box.appendChild(label(text, id, node, confidential));
    var listed = node.enum || choicesOf(path);
    if (listed) {
      input = document.createElement("select");
      input.appendChild(element("option", required ? "Choose…" : "(none)")).value = "";
      listed.forEach(function (value) { input.appendChild(element("option", labelOf(value))).value = value; });
    } else if (type === "string" && (node.maxLength || 0) > 200) {
      input = document.createElement("textarea");
      input.rows = 3;
    } else {
      input = document.createElement("input");
      input.type = type === "string" && node.format === "date" ? "date" : "text";
      if (node.format === "email") input.type = "email";
      if (type === "number") input.inputMode = "decimal";
      if (type === "integer") input.inputMode = "numeric";
      if (type === "string" && node.pattern && IDENTIFIER.test((node.examples || [""])[0])) {
        input.setAttribute("list", id + "-choices");
        var list = element("datalist");
        list.id = id + "-choices";
        node.examples.forEach(function (value) { list.appendChild(element("option")).value = value; });
        box.appendChild(list);
      }
    }
    input.id = id;
    input.name = pointerOf(path);
    input.autocomplete = "off";
    if (required) input.setAttribute("aria-required", "true");
    var current = rawAt(path);
    input.value = current === undefined ? "" : String(current);
    input.addEventListener(listed ? "change" : "input", function () {
      setRaw(path, typed(input.value, type), inArray);
      changed(!!listed, id);
    });
    box.appendChild(input);
    var shown = help(node, path);
    if (shown) { shown.id = id + "-help"; box.appendChild(shown); }
    register(path, title, box, input);
    describe(input, [shown && shown.id, id + "-error"]);
    return box;
  }
  function typed(text, type) {
    if (text === "") return undefined;
    if (type === "number" || type === "integer") {
      var number = Number(text.trim().replace(/,/g, ""));
      return text.trim() !== "" && isFinite(number) ? number : text;
    }
    return text;
  }

  function booleanField(node, path, title, required, confidential) {
    var id = idOf(path), box = element("fieldset", null, "certgen-rq-field certgen-rq-boolean");
    var legend = element("legend", title + (required ? " (required)" : ""));
    if (confidential) legend.appendChild(element("span", CONFIDENTIAL, "certgen-rq-confidential"));
    box.appendChild(legend);
    var shown = help(node, path);
    if (shown) { shown.id = id + "-help"; box.appendChild(shown); }
    var current = rawAt(path);
    var choices = [["true", "Yes", true], ["false", "No", false]];
    if (!required) choices.push(["", "Not stated", undefined]);
    var first = null;
    choices.forEach(function (choice) {
      var option = element("label", null, "certgen-rq-choice");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = id;
      radio.id = id + "-" + (choice[0] || "unset");
      radio.value = choice[0];
      radio.checked = current === choice[2];
      radio.addEventListener("change", function () { setRaw(path, choice[2]); changed(true, radio.id); });
      option.appendChild(radio);
      option.appendChild(document.createTextNode(" " + choice[1]));
      box.appendChild(option);
      first = first || radio;
    });
    register(path, title, box, first);
    return box;
  }

  function union(node, path, title, required, confidential) {
    /* A value of several types (a lot: its number, or its number and weight): choose the form. */
    var id = idOf(path) + "-form", box = element("div", null, "certgen-rq-field certgen-rq-union");
    var current = rawAt(path), chosen = isObject(current) ? "object" : node.type[0];
    var select = document.createElement("select");
    select.id = id;
    node.type.forEach(function (type) {
      var words = type === "object"
        ? Object.keys(node.properties || {}).map(function (n) { return resolve(node.properties[n]).title || n; }).join(" and ")
        : title + " only";
      select.appendChild(element("option", words)).value = type;
    });
    select.value = chosen;
    select.addEventListener("change", function () {
      var was = rawAt(path);
      if (select.value === "object") setRaw(path, { number: typeof was === "string" ? was : undefined }, true);
      else setRaw(path, isObject(was) ? (was[Object.keys(was)[0]] || "") : was, true);
      changed(true, id);
    });
    box.appendChild(label(title + ": form", id, node, confidential));
    box.appendChild(select);
    var narrowed = Object.assign({}, node, { type: chosen, title: title });
    box.appendChild(field(narrowed, path, title, required, confidential, true));
    return box;
  }

  function objectField(node, path, title, required, confidential, inArray, extra) {
    var raw = rawAt(path);
    var rules = objectRules(node, isObject(raw) ? raw : {}, extra);
    var box = element("fieldset", null, "certgen-rq-object");
    box.id = idOf(path);
    var legend = element("legend", title + (required && !inArray ? " (required)" : ""));
    if (confidential && node["x-confidential"]) legend.appendChild(element("span", CONFIDENTIAL, "certgen-rq-confidential"));
    box.appendChild(legend);
    var shown = inArray ? null : help(node, path);
    if (shown) box.appendChild(shown);
    Object.keys(node.properties || {}).forEach(function (name) {
      if (rules.eff.hidden[name] || (path.length === 0 && DESK.indexOf(name) >= 0)) return;
      box.appendChild(field(node.properties[name], path.concat(name), null, !!rules.required[name],
        confidential, false, rules.eff.sub[name]));
    });
    register(path, title, box, box.querySelector("input, select, textarea"));
    if (required || inArray || path.length === 0) return box;
    var details = element("details", null, "certgen-rq-optional");
    details.id = idOf(path) + "-details";
    details.open = state.open[details.id] || entered(raw);
    details.addEventListener("toggle", function () { state.open[details.id] = details.open; });
    details.appendChild(element("summary", title + " (optional)"));
    details.appendChild(box);
    return details;
  }

  function arrayField(node, path, title, required, confidential) {
    var box = element("fieldset", null, "certgen-rq-object certgen-rq-array");
    box.appendChild(element("legend", title + (required ? " (required)" : "")));
    var shown = help(node, path);
    if (shown) box.appendChild(shown);
    var items = rawAt(path);
    if (!Array.isArray(items) && required && node.minItems) {
      items = new Array(node.minItems).fill(undefined);
      setRaw(path, items);
    }
    items = Array.isArray(items) ? items : [];
    var itemNode = resolve(node.items || {});
    var itemTitle = itemNode.title || title;
    items.forEach(function (item, index) {
      var row = element("div", null, "certgen-rq-item");
      var name = itemTitle + " " + (index + 1);
      row.appendChild(field(itemNode, path.concat(index), name, true, confidential, true));
      var remove = element("button", "Remove " + name, "md-button certgen-rq-remove");
      remove.type = "button";
      remove.addEventListener("click", function () {
        items.splice(index, 1);
        changed(true, idOf(path) + "-add");
      });
      row.appendChild(remove);
      box.appendChild(row);
    });
    var add = element("button", "Add " + itemTitle.toLowerCase(), "md-button certgen-rq-add");
    add.type = "button";
    add.id = idOf(path) + "-add";
    add.addEventListener("click", function () {
      var list = rawAt(path);
      if (!Array.isArray(list)) { list = []; setRaw(path, list); }
      list.push(undefined);
      changed(true, idOf(path.concat(list.length - 1)));
    });
    box.appendChild(add);
    register(path, title, box, add);
    return box;
  }

  /* ---- findings ---- */
  function words(error, node) {
    var p = error.params;
    switch (error.keyword) {
      case "required": return "missing; fill it in";
      case "type":
        return { number: "must be a number", integer: "must be a whole number", string: "must be text",
          boolean: "choose Yes or No", object: "must be filled in field by field",
          array: "must be a list" }[p.type] || "has the wrong type";
      case "pattern":
        return "is not in the expected form" + (node && node.examples ? " (for example " + node.examples[0] + ")" : "");
      case "enum": return "choose one of: " + p.allowedValues.map(labelOf).join(", ");
      case "const": return "must be " + p.allowedValue;
      case "format":
        return { date: "must be a date, YYYY-MM-DD", "date-time": "must be a date and time",
          email: "must be an email address" }[p.format] || "is not in the expected format";
      case "minLength": return p.limit === 1 ? "must not be empty" : "must be at least " + p.limit + " characters";
      case "maxLength": return "must be at most " + p.limit + " characters";
      case "minimum": return "must be at least " + p.limit;
      case "maximum": return "must be at most " + p.limit;
      case "exclusiveMinimum": return "must be more than " + p.limit;
      case "minItems": return "add at least " + p.limit;
      case "maxItems": return "at most " + p.limit + " allowed";
      case "uniqueItems": return "entries " + (p.j + 1) + " and " + (p.i + 1) + " are the same";
      case "additionalProperties": return "unknown field " + p.additionalProperty;
      case "false schema": return "does not belong in this request: leave it empty";
      default: return error.message;
    }
  }
  function findings(value) {
    if (validateRequest(value)) return [];
    var seen = {};
    return validateRequest.errors.filter(function (error) {
      return error.keyword !== "if" && error.keyword !== "propertyNames";
    }).map(function (error) {
      var pointer = error.instancePath;
      if (error.keyword === "required") pointer += "/" + error.params.missingProperty;
      var target = pointer;
      while (target && !fields[target]) target = target.replace(/\/[^/]*$/, "");
      var place = fields[target] || fields[""];
      var node = nodeAt(value, error.instancePath);
      var text = trail(pointer, place) + ": " + words(error, node);
      return { pointer: target, text: text, place: place };
    }).filter(function (finding) {
      var key = finding.pointer + " " + finding.text;
      return seen[key] ? false : (seen[key] = true);
    });
  }
  /* A field's title after those of the parts it is in: "Product line 1, Lot 2, Lot number"
     (a list's entries are named after it, so the list itself is left out). */
  function trail(pointer, place) {
    var parts = pointer.split("/"), names = [];
    for (var i = 1; i < parts.length - 1; i++) {
      var entry = parts.slice(0, i + 1).join("/");
      if (!/^[0-9]+$/.test(parts[i + 1]) && fields[entry]) names.push(fields[entry].title);
    }
    names.push(fields[pointer] ? fields[pointer].title : place.title + ": " + parts[parts.length - 1]);
    return names.join(", ");
  }
  function nodeAt(value, pointer) {
    var node = kinds().filter(function (k) { return k.value === state.kind; })[0].node;
    pointer.split("/").slice(1).forEach(function (part) {
      node = resolve(node || {});
      if (node.properties && node.properties[part]) node = node.properties[part];
      else if (node.items) node = node.items;
      else node = null;
    });
    return node && resolve(node);
  }

  function show(list) {
    Object.keys(fields).forEach(function (pointer) {
      var f = fields[pointer];
      f.message.hidden = true;
      f.message.textContent = "";
      if (f.input) f.input.removeAttribute("aria-invalid");
    });
    summary.textContent = "";
    if (!list.length) {
      if (state.checked) summary.appendChild(element("p", "No findings: the request matches the schema.", "certgen-rq-ok"));
      return;
    }
    summary.appendChild(element("p", list.length + (list.length === 1 ? " finding" : " findings") +
      " to fix before you download:", "certgen-rq-findings-title"));
    var ul = element("ul");
    list.forEach(function (finding) {
      var f = finding.place;
      f.message.hidden = false;
      f.message.textContent = (f.message.textContent ? f.message.textContent + " " : "") + finding.text + ".";
      if (f.input) f.input.setAttribute("aria-invalid", "true");
      for (var open = f.box; open; open = open.parentElement) if (open.tagName === "DETAILS") open.open = true;
      var item = element("li"), link = element("a", finding.text);
      link.href = "#" + (f.input ? f.input.id : "certgen-request");
      item.appendChild(link);
      ul.appendChild(item);
    });
    summary.appendChild(ul);
  }

  function changed(structural, focusId) {
    if (structural) render(focusId);
    if (state.checked) show(findings(request()));
  }

  function render(focusId) {
    fields = {};
    formRoot.textContent = "";
    if (!state.kind) return;
    var kind = kinds().filter(function (k) { return k.value === state.kind; })[0];
    state.raws[state.kind] = state.raws[state.kind] || {};
    var raw = state.raws[state.kind];
    raw.status = "requested"; /* for the schema's conditions; the file gets the desk's values */
    formRoot.appendChild(objectField(kind.node, [], kind.title, true, false, false));
    delete raw.status;
    var focus = focusId && document.getElementById(focusId);
    if (focus && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(focus.tagName)) {
      focus = focus.querySelector("input, select, textarea");
    }
    if (focus) focus.focus();
  }

  function download() {
    state.checked = true;
    var value = request(), list = findings(value);
    show(list);
    if (list.length) { summary.focus(); return; }
    var text = yaml(value);
    var blob = new Blob([text], { type: "application/yaml" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = value.id + ".yaml";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
    summary.appendChild(element("p", "Saved " + value.id + ".yaml. Send it to the certificate desk privately, as this page explains.", "certgen-rq-ok"));
  }

  /* ---- YAML: block style; text in double quotes (JSON's escapes are YAML's), so that
     operation IDs, codes and words like NO stay text; ids, dates and numbers plain. ---- */
  var PLAIN = /^(?:[a-z][a-z0-9_]*|[A-Z]{2}-[0-9]{4}-[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9:]+(?:Z|[+-][0-9]{2}:[0-9]{2}))?)$/;
  var KEYWORDS = /^(?:true|false|null|yes|no|on|off|y|n)$/;
  function scalar(value) {
    if (Array.isArray(value)) return "[]";
    if (isObject(value)) return "{}";
    if (typeof value !== "string") return String(value);
    return PLAIN.test(value) && !KEYWORDS.test(value) ? value : JSON.stringify(value);
  }
  function lines(value, indent) {
    var pad = " ".repeat(indent), out = [];
    Object.keys(value).forEach(function (key) {
      var v = value[key];
      if (isObject(v) && Object.keys(v).length) {
        out.push(pad + key + ":");
        out.push.apply(out, lines(v, indent + 2));
      } else if (Array.isArray(v) && v.length) {
        out.push(pad + key + ":");
        v.forEach(function (item) { out.push.apply(out, itemLines(item, indent + 2)); });
      } else out.push(pad + key + ": " + scalar(v));
    });
    return out;
  }
  function itemLines(item, indent) {
    var pad = " ".repeat(indent);
    if (!isObject(item) || !Object.keys(item).length) return [pad + "- " + scalar(item)];
    var inner = lines(item, indent + 2);
    inner[0] = pad + "- " + inner[0].slice(indent + 2);
    return inner;
  }
  function yaml(value) {
    return [MODELINE,
      "# Made on the certifier's Request a certificate page. The desk sets id, prepared_by",
      "# and requested_at when it files the request."].concat(lines(value, 0)).join("\n") + "\n";
  }

  /* ---- start ---- */
  function start(loaded) {
    var host = document.getElementById("certgen-request");
    if (!host) return;
    if (!loaded || !window.certgenAjv) {
      host.appendChild(element("p", "The request schema could not be loaded: the form cannot be shown.", "certgen-rq-error"));
      return;
    }
    schema = loaded;
    ajv = new window.certgenAjv.Ajv2020({ allErrors: true, strict: false });
    window.certgenAjv.addFormats(ajv);
    validateRequest = ajv.compile(schema);

    var choose = element("div", null, "certgen-rq-field certgen-rq-kind");
    var select = document.createElement("select");
    select.id = "certgen-rq-kind";
    select.appendChild(element("option", "Choose…")).value = "";
    kinds().forEach(function (kind) { select.appendChild(element("option", kind.title)).value = kind.value; });
    choose.appendChild(label("Kind of request (required)", select.id));
    choose.appendChild(select);
    host.appendChild(choose);
    summary = element("div", null, "certgen-rq-summary");
    summary.id = "certgen-rq-summary";
    summary.tabIndex = -1;
    summary.setAttribute("role", "status");
    summary.setAttribute("aria-live", "polite");
    formRoot = element("div", null, "certgen-rq-form");
    host.appendChild(formRoot);
    var actions = element("div", null, "certgen-rq-actions");
    var check = element("button", "Check my request", "md-button");
    check.type = "button";
    check.id = "certgen-rq-check";
    var save = element("button", "Download the request file", "md-button md-button--primary");
    save.type = "button";
    save.id = "certgen-rq-download";
    check.addEventListener("click", function () { state.checked = true; show(findings(request())); summary.focus(); });
    save.addEventListener("click", download);
    actions.appendChild(check);
    actions.appendChild(save);
    actions.hidden = true;
    host.appendChild(actions);
    host.appendChild(summary);
    select.addEventListener("change", function () {
      state.kind = select.value;
      actions.hidden = !state.kind;
      render();
      if (state.checked) show(findings(request()));
    });
  }

  function boot() {
    var certgen = window.certgen;
    if (!certgen || !certgen.load) { start(null); return; }
    certgen.load("schemas/request.schema.js", "request-schema").then(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
