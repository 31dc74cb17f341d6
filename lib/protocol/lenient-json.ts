// fastjson's default output writes Map<Long, String> keys bare: {"brokerAddrs":{0:"10.0.0.1:10911"}}.
// Name servers before 4.9.4 always answer routes that way, later ones when asked with an old
// version, and GET_BROKER_CLUSTER_INFO always does. This quotes such keys, outside strings only,
// and hands the text to JSON.parse.

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t';

export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(quoteBareNumericKeys(text));
  }
}

export function quoteBareNumericKeys(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  let previousSignificant = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      previousSignificant = c;
      continue;
    }
    if (isSpace(c)) continue;
    if ((previousSignificant === '{' || previousSignificant === ',') && (isDigit(c) || c === '-')) {
      let end = i + 1;
      while (isDigit(text[end])) end++;
      let after = end;
      while (isSpace(text[after])) after++;
      if (text[after] === ':') {
        out += `${text.slice(copiedUpTo, i)}"${text.slice(i, end)}"`;
        copiedUpTo = end;
      }
      i = end - 1;
      previousSignificant = '0';
      continue;
    }
    previousSignificant = c;
  }
  return out + text.slice(copiedUpTo);
}
