import Handlebars from 'handlebars';

/**
 * Handlebars for chart files, which are themselves Go templates. Compiled with `noEscape`
 * (output is YAML, not HTML) and `strict` (a misspelt variable throws instead of vanishing).
 * Helm actions in template sources are written `\{{ ... }}`: Handlebars emits them verbatim.
 */
const engine = Handlebars.create();

export function renderTemplate(source: string, context: object, templateName: string): string {
  try {
    return engine.compile(source, { noEscape: true, strict: true })(context);
  } catch (error) {
    // A broken generator template is our bug, not the user's: say which file.
    throw new Error(`rendering ${templateName} failed: ${(error as Error).message}`);
  }
}
