/**
 * A parser for the small YAML subset infra/ uses: block mappings and sequences, plain or
 * double-quoted scalars, flow sequences of quoted strings, `---` between documents. Anything
 * else throws, which keeps those files simple enough to check without a YAML library.
 */
interface Line {
  indent: number;
  text: string;
  n: number;
}

function scalar(raw: string, n: number): unknown {
  const v = raw.trim();
  if (v.startsWith("[") || v.startsWith('"')) {
    try {
      return JSON.parse(v);
    } catch {
      throw new Error(`line ${n}: unsupported flow value ${v}`);
    }
  }
  if (/[{}[\]&*!|>'%@`#]/.test(v)) throw new Error(`line ${n}: unsupported value ${v}`);
  return v;
}

function parseBlock(lines: Line[], start: number, indent: number): [unknown, number] {
  const first = lines[start];
  if (!first || first.indent !== indent) throw new Error(`line ${first?.n}: bad indentation`);
  if (first.text.startsWith("- ")) {
    const items: unknown[] = [];
    let i = start;
    while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith("- ")) {
      const line = lines[i]!;
      const rest = line.text.slice(2);
      if (!/^[\w./-]+:/.test(rest)) {
        items.push(scalar(rest, line.n));
        i += 1;
        continue;
      }
      // "- key: v" opens a mapping whose keys sit two columns in.
      lines[i] = { indent: indent + 2, text: rest, n: line.n };
      const [item, next] = parseBlock(lines, i, indent + 2);
      items.push(item);
      i = next;
    }
    return [items, i];
  }
  const map: Record<string, unknown> = {};
  let i = start;
  while (i < lines.length && lines[i]!.indent === indent && !lines[i]!.text.startsWith("- ")) {
    const line = lines[i]!;
    const m = /^([\w./-]+):(?:\s+(.*))?$/.exec(line.text);
    if (!m) throw new Error(`line ${line.n}: expected "key: value", got ${line.text}`);
    const [, key, value] = m;
    if (key! in map) throw new Error(`line ${line.n}: duplicate key ${key}`);
    if (value !== undefined && value !== "") {
      map[key!] = scalar(value, line.n);
      i += 1;
    } else {
      const child = lines[i + 1];
      if (!child || child.indent <= indent) throw new Error(`line ${line.n}: ${key} has no value`);
      const [v, next] = parseBlock(lines, i + 1, child.indent);
      map[key!] = v;
      i = next;
    }
  }
  if (i < lines.length && lines[i]!.indent > indent) {
    throw new Error(`line ${lines[i]!.n}: bad indentation`);
  }
  return [map, i];
}

export function parseSimpleYaml(text: string): unknown[] {
  const docs: Line[][] = [[]];
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "---") return docs.push([]);
    if (raw.trim() === "" || raw.trim().startsWith("#")) return;
    if (raw.includes("\t")) throw new Error(`line ${index + 1}: tab`);
    const indent = raw.length - raw.trimStart().length;
    docs[docs.length - 1]!.push({ indent, text: raw.trim(), n: index + 1 });
  });
  return docs
    .filter((d) => d.length > 0)
    .map((lines) => {
      const [value, end] = parseBlock(lines, 0, 0);
      if (end !== lines.length) throw new Error(`line ${lines[end]!.n}: unexpected content`);
      return value;
    });
}
