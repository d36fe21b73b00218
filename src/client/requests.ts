/**
 * Checks of what the client sends and receives that are the client's own: a list
 * request, a message type name, and whether an answer is for the operation asked for.
 *
 * @internal
 * @module
 */
import { Code } from '../code.js';
import { InvalidArgumentError, RpcError } from '../errors.js';
import type { ListOperationsRequest, Operation } from '../types.js';
import { checkBoolean, checkCollectionName, checkNumber, checkObject, checkString } from '../validation.js';
/**
 * A handle must never take another operation's state for its own. Servers may answer
 * with a canonical form of the name (a project number for a project id, a longer
 * path), so the final segment, the operation's id, is what must match.
 *
 * @internal
 */
export function checkAnswerNames(asked: string, method: string, answer: Operation): Operation {
  const id = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  if (id(answer.name) !== id(asked)) {
    throw new RpcError(method, {
      code: Code.DATA_LOSS, // a permanent protocol violation, not worth retrying
      message: `asked for operation ${JSON.stringify(asked)}, the server answered with ${JSON.stringify(answer.name)}`,
      details: [],
    });
  }
  return answer;
}

/** A fully qualified message name, or undefined. @internal */
export function checkTypeName(value: unknown, argument: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\.?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(value)) {
    throw new InvalidArgumentError(argument, value, 'a fully qualified message name such as "example.v1.ExportResponse"');
  }
  return value.startsWith('.') ? value.slice(1) : value;
}

/** A ListOperations request, checked field by field. @internal */
export function checkListRequest(request: ListOperationsRequest): ListOperationsRequest {
  checkObject(request, 'request');
  const checked: ListOperationsRequest = { name: checkCollectionName(request.name, 'request.name') };
  const filter = checkString(request.filter, 'request.filter');
  const pageSize = checkNumber(request.pageSize, 'request.pageSize', { min: 0, max: 2_147_483_647, integer: true });
  const pageToken = checkString(request.pageToken, 'request.pageToken');
  const returnPartialSuccess = checkBoolean(request.returnPartialSuccess, 'request.returnPartialSuccess');
  if (filter !== undefined) checked.filter = filter;
  if (pageSize !== undefined) checked.pageSize = pageSize;
  if (pageToken !== undefined) checked.pageToken = pageToken;
  if (returnPartialSuccess !== undefined) checked.returnPartialSuccess = returnPartialSuccess;
  return checked;
}
