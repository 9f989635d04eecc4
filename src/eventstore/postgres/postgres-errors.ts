// pg's errors, classified once at the adapter: what is the database's trouble, and what is the data's.
import { StoreSchemaError, StoreUnavailableError } from '../store-errors.ts';

const UNAVAILABLE_CODES = /^(08|53|57|58|40001|40P01|55P03)/;
const SCHEMA_CODES = /^(42|0A|XX)/;
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|ECONNREFUSED|ECONNRESET/i;

/**
 * The error a user of the store sees: StoreUnavailableError (connection, resources, shutdown, serialization or lock
 * conflicts), StoreSchemaError (the SQL or the schema is wrong), or the original (the data's fault: a constraint, a
 * value out of range). Already wrapped errors pass through.
 */
export const wrapPgError = (error: unknown): unknown => {
  if (!(error instanceof Error) || error instanceof StoreUnavailableError || error instanceof StoreSchemaError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (UNAVAILABLE_CODES.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT'].includes(code) || UNAVAILABLE_MESSAGES.test(error.message)) {
    return new StoreUnavailableError(`The database is unavailable: ${error.message}`, { cause: error });
  }
  if (SCHEMA_CODES.test(code)) return new StoreSchemaError(`The database refused the statement: ${error.message}`, { cause: error });
  return error;
};
