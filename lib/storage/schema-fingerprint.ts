// A relation's schema version as a 32-bit fingerprint of its CREATE text, kind and columns. Each
// insert record carries it; replay refuses to apply rows whose fingerprint differs from the
// relation's at that point of the history (rows never land in the wrong schema).
import type { RelationInfo } from '../engine/types.js';
import { typeToSql } from '../types/datatype.js';
import { crc32c } from './fsync.js';

export function schemaFingerprint(info: RelationInfo): number {
  const cols = info.columns.map((c) => `${c.name}:${typeToSql(c.type)}:${c.nullable ? 'null' : 'notnull'}`).join(',');
  return crc32c(Buffer.from(`${info.kind}|${info.name}|${cols}|${info.sql}`, 'utf8'));
}
