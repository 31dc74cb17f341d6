// JSON header (serialize type 0), as fastjson writes and reads it:
// {"code":310,"extFields":{...},"flag":0,"language":"JAVA","opaque":7,"remark":"...","version":479}
// null fields are left out; extFields values are strings (Integer.parseInt etc. on the far side).
import type { RemotingCommand } from './command.ts';

export function jsonHeader(command: RemotingCommand): string {
  const header: Record<string, unknown> = {
    code: command.code,
    language: command.language,
    version: command.version,
    opaque: command.opaque,
    flag: command.flag,
  };
  if (command.remark !== undefined) header.remark = command.remark;
  header.extFields = command.extFields;
  header.serializeTypeCurrentRPC = 'JSON';
  return JSON.stringify(header);
}

/** Throws on text that is not a JSON header object. */
export function parseJsonHeader(text: string): Omit<RemotingCommand, 'body' | 'serializeType'> {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || typeof raw.code !== 'number') {
    throw new TypeError('header has no numeric code');
  }
  const extFields: Record<string, string> = {};
  if (raw.extFields && typeof raw.extFields === 'object') {
    // Other clients (ali-ons) send numbers here; fastjson coerces, and so do we.
    for (const [k, v] of Object.entries(raw.extFields as Record<string, unknown>)) {
      if (v !== null && v !== undefined) extFields[k] = String(v);
    }
  }
  const command: Omit<RemotingCommand, 'body' | 'serializeType'> = {
    code: raw.code,
    language: typeof raw.language === 'string' ? raw.language : 'JAVA',
    version: typeof raw.version === 'number' ? raw.version : 0,
    opaque: typeof raw.opaque === 'number' ? raw.opaque : 0,
    flag: typeof raw.flag === 'number' ? raw.flag : 0,
    extFields,
  };
  if (typeof raw.remark === 'string') command.remark = raw.remark;
  return command;
}
