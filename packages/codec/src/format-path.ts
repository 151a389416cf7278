const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Renders a path inside a payload like `items[0].sku` (JavaScript accessor syntax, so it can be
 * pasted into code); the root is ''. Used for scan failures and schema issues alike.
 */
export function formatPath(
  parts: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>,
): string {
  let out = '';
  for (const segment of parts) {
    const part = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'symbol') out += `[${part.toString()}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** How a path reads inside an error message. */
export function describePath(path: string): string {
  return path === '' ? 'the payload root' : path;
}
