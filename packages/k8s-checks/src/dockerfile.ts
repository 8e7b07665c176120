/** A Dockerfile, parsed just enough to check its shape: stages and their instructions. */
export interface Instruction {
  keyword: string;
  args: string;
}
export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}
export interface Dockerfile {
  /** ARGs declared before the first FROM (usable in FROM lines). */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

/** Joins `\` continuations, drops comments and blank lines, splits into stages. */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*#/.test(line)) continue;
    if (/^\s*#/.test(line)) continue; // comment lines inside a continuation
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line.trim()).trim();
    pending = '';
    if (full !== '') logical.push(full);
  }
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: match?.[1] ?? args, ...(match?.[2] ? { name: match[2] } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [name, value] = args.split('=', 2);
        globalArgs.set(name as string, value);
      }
    } else {
      (stages[stages.length - 1] as Stage).instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** The base image of a stage with global ARG defaults substituted. */
export function baseImage(file: Dockerfile, stage: Stage): string {
  return stage.from.replace(/\$\{?(\w+)\}?/g, (_, name: string) => file.globalArgs.get(name) ?? `$${name}`);
}

/** A base image Parley builds on: Node 24 LTS, Debian bookworm-slim, pinned by an image digest. */
const NODE_24_PINNED = /^(?:docker\.io\/(?:library\/)?)?node:24(?:\.\d+){0,2}-bookworm-slim@sha256:[0-9a-f]{64}$/;

/**
 * Why a stage's base is not acceptable, or undefined when it is: a stage may
 * start from an earlier stage, or from Node 24 pinned by digest (a tag alone
 * can be re-pushed; the digest names the exact bytes).
 */
export function basePinProblem(file: Dockerfile, stage: Stage): string | undefined {
  const index = file.stages.indexOf(stage);
  const earlier = new Set(file.stages.slice(0, Math.max(index, 0)).flatMap((s) => (s.name ? [s.name] : [])));
  if (earlier.has(stage.from)) return undefined;
  const image = baseImage(file, stage);
  if (NODE_24_PINNED.test(image)) return undefined;
  if (!image.includes('@sha256:')) return `${image} is not pinned by digest (add @sha256:<digest of the image index>)`;
  return `${image} is not node:24-bookworm-slim (Node 24 LTS) pinned by a sha256 digest`;
}
