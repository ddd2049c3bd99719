// Placeholders the README's snippets use without defining, as a reader would have them in their
// own code. Anything else a snippet uses must be imported or declared in the snippet itself.
declare const logger: import('../../src/index.js').Logger;

// Packages the README mentions that this repository does not install.
declare module '@nestjs/common' {
  export function Injectable(): ClassDecorator;
  export function Inject(token: unknown): ParameterDecorator;
}
