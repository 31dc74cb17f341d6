// JSON header (serialize type 0), as fastjson writes and reads it:
// {"code":310,"extFields":{...},"flag":0,"language":"JAVA","opaque":7,"remark":"...","version":479}
// null fields are left out; extFields values are strings (Integer.parseInt etc. on the far side).
import type { RemotingCommand } from './command.ts';

export function jsonHeader(command: RemotingCommand): string {
  // Written by hand: this runs once per send, and building an object for JSON.stringify costs
  // about as much again as the string itself.
  return (
    `{"code":${command.code},"language":${JSON.stringify(command.language)},"version":${command.version},` +
    `"opaque":${command.opaque},"flag":${command.flag},` +
    (command.remark === undefined ? '' : `"remark":${JSON.stringify(command.remark)},`) +
    `"extFields":${JSON.stringify(command.extFields)},"serializeTypeCurrentRPC":"JSON"}`
  );
}

/** Throws on text that is not a JSON header object. */
export function parseJsonHeader(text: string): RemotingCommand {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || typeof raw.code !== 'number') {
    throw new TypeError('header has no numeric code');
  }
  let extFields = raw.extFields as Record<string, unknown> | undefined;
  if (extFields === null || typeof extFields !== 'object') {
    extFields = {};
  } else {
    // Other clients (ali-ons) send numbers here; fastjson coerces, and so do we. Strings, the
    // usual case, are kept as parsed.
    for (const key in extFields) {
      const value = extFields[key];
      if (typeof value !== 'string') {
        if (value === null || value === undefined) delete extFields[key];
        else extFields[key] = String(value);
      }
    }
  }
  const command: RemotingCommand = {
    code: raw.code,
    language: typeof raw.language === 'string' ? raw.language : 'JAVA',
    version: typeof raw.version === 'number' ? raw.version : 0,
    opaque: typeof raw.opaque === 'number' ? raw.opaque : 0,
    flag: typeof raw.flag === 'number' ? raw.flag : 0,
    extFields: extFields as Record<string, string>,
  };
  if (typeof raw.remark === 'string') command.remark = raw.remark;
  return command;
}
