import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
// The runtime alone, imported statically so the bundle carries it: loading it as CommonJS files
// at run time was a tenth of a scaffold run. The compiler stays behind require (rarely needed).
import HandlebarsRuntime from 'handlebars/runtime.js';
import { PACKAGE_ROOT } from '../paths.js';

/**
 * Handlebars for chart files, which are themselves Go templates. Compiled with `noEscape`
 * (output is YAML, not HTML) and `strict` (a misspelt variable throws instead of vanishing; the
 * arguments of block helpers such as `#if` are not covered, so test/render.test.ts checks every
 * block's content appears for some answers).
 *
 * Go-template passages sit in raw blocks, `{{{{helm}}}} ... {{{{/helm}}}}`: Handlebars leaves
 * their content alone, so they read as plain Helm. Inside them `<CHARTNAME>` stands for the chart
 * name (the placeholder `helm create --starter` uses), e.g. `{{ include "<CHARTNAME>.fullname" . }}`.
 * Chart files without any generator logic are not Handlebars at all: see `fillChartName`.
 *
 * `npm run build` precompiles the templates with the same options; a template whose source
 * matches its precompiled digest renders through the small runtime, any other is compiled here.
 */
type TemplateSpec = object;
type HelperOptions = { fn: (context: unknown) => string; data: { root: { name?: unknown } } };
type Helpers = Record<string, (this: unknown, options: HelperOptions) => string>;
type Render = (context: object, options: { helpers: Helpers }) => string;
type Runtime = { template: (spec: TemplateSpec) => Render };
type Compiler = { compile: (source: string, options: object) => Render };

/** Options shared by the precompile step (scripts/build-templates.mjs) and the compile path. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

/** The chart-name placeholder of Helm passages and plain chart files. */
export const CHART_NAME_PLACEHOLDER = '<CHARTNAME>';

export function fillChartName(text: string, name: string): string {
  return text.replaceAll(CHART_NAME_PLACEHOLDER, name);
}

const HELPERS: Helpers = {
  helm(options) {
    const name = options.data.root.name;
    if (typeof name !== 'string') throw new Error('a {{{{helm}}}} block needs `name` in the template context');
    return fillChartName(options.fn(this), name);
  },
};

// The compiler is CommonJS; require keeps rendering synchronous and loads it only if needed.
const require = createRequire(import.meta.url);
let precompiled: Record<string, { digest: string; spec: TemplateSpec }> | null | undefined;
let compiler: Compiler | undefined;
// handlebars/runtime.d.ts declares nothing; the runtime's one function used here, typed.
const runtime = HandlebarsRuntime as unknown as Runtime;
// A precompiled spec becomes a template function once per process, however often it renders.
const templates = new WeakMap<TemplateSpec, Render>();

function precompiledSpec(templateName: string, source: string): TemplateSpec | undefined {
  if (precompiled === undefined) {
    try {
      precompiled = require(join(PACKAGE_ROOT, 'dist', 'chart-templates.cjs')) as typeof precompiled;
    } catch {
      precompiled = null;
    }
  }
  const entry = precompiled?.[templateName];
  if (!entry) return undefined;
  return entry.digest === createHash('sha256').update(source).digest('hex') ? entry.spec : undefined;
}

export function renderTemplate(source: string, context: object, templateName: string): string {
  try {
    const spec = precompiledSpec(templateName, source);
    if (spec) {
      let template = templates.get(spec);
      if (!template) templates.set(spec, (template = runtime.template(spec)));
      return template(context, { helpers: HELPERS });
    }
    compiler ??= require('handlebars') as Compiler;
    return compiler.compile(source, COMPILE_OPTIONS)(context, { helpers: HELPERS });
  } catch (error) {
    // A broken generator template is our bug, not the user's: say which file.
    throw new Error(`rendering ${templateName} failed: ${(error as Error).message}`);
  }
}

/** Always compiles the source, never the precompiled form (for the test that both agree). */
export function renderCompiled(source: string, context: object): string {
  compiler ??= require('handlebars') as Compiler;
  return compiler.compile(source, COMPILE_OPTIONS)(context, { helpers: HELPERS });
}

/** Whether a template would render from its precompiled form (for the test that both agree). */
export function hasPrecompiled(templateName: string, source: string): boolean {
  return precompiledSpec(templateName, source) !== undefined;
}
