/**
 * Which characters text sent to Warden may hold. Control characters (U+0000–U+001F, U+007F) have
 * no place in names, tags or identifiers: NUL cannot be stored by PostgreSQL at all, and the others
 * can forge lines in logs and tables. Tab, line feed and carriage return are allowed only in
 * multi-line text fields (descriptions, comments, reasons, statements and the like).
 */

// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Keys whose values are prose a person writes over several lines, or documents (PEM keys, YAML policies). */
const MULTI_LINE_KEY =
  /(description|comment|reason|statement|notes?|summary|intendeduse|outofscopeuses?|limitations?|considerations?|justification|rationale|resolution|remediation|response|answer|message|markdown|content|text|body|publickey|pem|certificate|document|yaml|details?)s?$/i;

/** Whether a field (by its last key) may hold tabs and line breaks. */
export function isMultiLineField(key: string): boolean {
  return MULTI_LINE_KEY.test(key);
}

/** The first character of `text` not allowed in a field of that kind, or undefined. */
export function forbiddenCharacter(text: string, multiLine: boolean): string | undefined {
  const match = (multiLine ? CONTROL_BUT_LAYOUT : ANY_CONTROL).exec(text);
  return match?.[0];
}

/** `U+0000` for a character. */
export function codePointName(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

export interface ControlCharacterFinding {
  /** Dotted path of the offending value (`tags.team`, `records.3.features.city`), or the key itself. */
  field: string;
  character: string;
}

/**
 * Walks a parsed JSON document and returns the first string (value or key) holding a character
 * its field may not hold. Array elements inherit the multi-line rule of the key that holds them.
 */
export function findControlCharacter(document: unknown): ControlCharacterFinding | undefined {
  const stack: { value: unknown; path: string; multiLine: boolean }[] = [
    { value: document, path: '', multiLine: false },
  ];
  while (stack.length > 0) {
    const { value, path, multiLine } = stack.pop()!;
    if (typeof value === 'string') {
      const character = forbiddenCharacter(value, multiLine);
      if (character !== undefined) return { field: path || '(body)', character };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], path: `${path}.${i}`, multiLine });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      for (const [key] of entries) {
        const character = forbiddenCharacter(key, false);
        if (character !== undefined) return { field: path ? `${path}.${key}` : key, character };
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        stack.push({ value: child, path: path ? `${path}.${key}` : key, multiLine: isMultiLineField(key) });
      }
    }
  }
  return undefined;
}
