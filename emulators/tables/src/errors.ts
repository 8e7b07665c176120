import { EmulatorError as CodedEmulatorError } from '@parley/emulator-lib';

/**
 * Stable error codes of the Table service emulator (docs/style.md §3). Codes are
 * a contract: never reuse a retired one.
 *
 * Two families:
 * - `EmulatorError`: start-up and operator errors (bad arguments, unopenable
 *   database). They stop the process with a message naming the field.
 * - `ServiceError`: a Table service error sent back to a client, with the
 *   service's own error code (in `x-ms-error-code` and the OData error body).
 *   Never fatal for the emulator.
 */

/** `TBLEMU_TLS_FAILED`: the HTTPS certificate cannot be read, generated or used. */
export type EmulatorErrorCode = 'TBLEMU_ARGS_INVALID' | 'TBLEMU_DB_OPEN' | 'TBLEMU_LISTEN_FAILED' | 'TBLEMU_TLS_FAILED';

/** The shared start-up error (the bin's fatal line carries its code), narrowed to this emulator's codes. */
export class EmulatorError extends CodedEmulatorError<EmulatorErrorCode> {}

/** The Azure Table service error codes this emulator answers with. */
export type ServiceErrorCode =
  | 'AuthenticationFailed'
  | 'AuthorizationPermissionMismatch'
  | 'AuthorizationProtocolMismatch'
  | 'AuthorizationResourceTypeMismatch'
  | 'AuthorizationServiceMismatch'
  | 'CommandsInBatchActOnDifferentPartitions'
  | 'CorsPreflightFailure'
  | 'EntityAlreadyExists'
  | 'EntityTooLarge'
  | 'InvalidDuplicateRow'
  | 'InvalidHeaderValue'
  | 'InvalidInput'
  | 'InvalidQueryParameterValue'
  | 'InvalidResourceName'
  | 'InvalidUri'
  | 'InvalidXmlDocument'
  | 'InvalidXmlNodeValue'
  | 'InternalError'
  | 'JsonFormatNotSupported'
  | 'MethodNotAllowed'
  | 'MissingRequiredHeader'
  | 'NotImplemented'
  | 'OutOfRangeInput'
  | 'PropertyNameInvalid'
  | 'PropertyNameTooLong'
  | 'PropertyValueTooLarge'
  | 'RequestBodyTooLarge'
  | 'ResourceNotFound'
  | 'TableAlreadyExists'
  | 'TableBeingDeleted'
  | 'TableNotFound'
  | 'TooManyProperties'
  | 'UpdateConditionNotSatisfied';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly status: number,
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const err = (status: number, code: ServiceErrorCode, message: string) => () => new ServiceError(status, code, message);

/** The service's errors, with Azure's status and wording. */
export const Errors = {
  authFailed: (detail: string) =>
    new ServiceError(
      403,
      'AuthenticationFailed',
      `Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. ${detail}`,
    ),
  permissionMismatch: err(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.'),
  protocolMismatch: err(403, 'AuthorizationProtocolMismatch', 'This request is not authorized to perform this operation using this protocol.'),
  resourceTypeMismatch: err(403, 'AuthorizationResourceTypeMismatch', 'This request is not authorized to perform this operation using this resource type.'),
  serviceMismatch: err(403, 'AuthorizationServiceMismatch', 'This request is not authorized to perform this operation using this service.'),
  tableNotFound: err(404, 'TableNotFound', 'The table specified does not exist.'),
  tableExists: err(409, 'TableAlreadyExists', 'The table specified already exists.'),
  entityNotFound: err(404, 'ResourceNotFound', 'The specified resource does not exist.'),
  entityExists: err(409, 'EntityAlreadyExists', 'The specified entity already exists.'),
  precondition: err(412, 'UpdateConditionNotSatisfied', 'The update condition specified in the request was not satisfied.'),
  invalidInput: (detail = 'One of the request inputs is not valid.') => new ServiceError(400, 'InvalidInput', detail),
  badQuery: err(400, 'InvalidInput', 'The query condition specified in the request is invalid.'),
  outOfRange: err(400, 'OutOfRangeInput', 'One of the request inputs is out of range.'),
  invalidTableName: err(400, 'InvalidResourceName', 'The specifed resource name contains invalid characters.'),
  propertyNameInvalid: err(400, 'PropertyNameInvalid', 'The property name is invalid.'),
  propertyNameTooLong: err(400, 'PropertyNameTooLong', 'The property name exceeds the maximum allowed length (255).'),
  propertyValueTooLarge: err(
    400,
    'PropertyValueTooLarge',
    'The property value exceeds the maximum allowed size (64KB). If the property value is a string, it is UTF-16 encoded and the maximum number of characters should be 32K or less.',
  ),
  tooManyProperties: err(
    400,
    'TooManyProperties',
    'The entity contains more properties than allowed. Each entity can include up to 252 properties to store data. Each entity also has 3 system properties.',
  ),
  entityTooLarge: err(400, 'EntityTooLarge', 'The entity is larger than the maximum allowed size (1MB).'),
  bodyTooLarge: err(413, 'RequestBodyTooLarge', 'The request body is too large and exceeds the maximum permissible limit.'),
  invalidHeader: (header: string) => new ServiceError(400, 'InvalidHeaderValue', `The value for one of the HTTP headers is not in the correct format. (${header})`),
  missingHeader: (header: string) => new ServiceError(400, 'MissingRequiredHeader', `An HTTP header that's mandatory for this request is not specified. (${header})`),
  atomNotSupported: err(415, 'JsonFormatNotSupported', 'JSON format is not supported.'),
  methodNotAllowed: err(405, 'MethodNotAllowed', 'The requested method is not allowed on the specified resource.'),
  invalidUri: err(400, 'InvalidUri', 'The requested URI does not represent any resource on the server.'),
  notImplemented: err(501, 'NotImplemented', 'The requested operation is not implemented on the specified resource.'),
  batchTooLarge: err(400, 'InvalidInput', 'The batch request operation exceeds the maximum 100 changes per change set.'),
  batchPartitions: err(400, 'CommandsInBatchActOnDifferentPartitions', 'All commands in a batch must operate on same entity group.'),
  batchDuplicate: err(
    400,
    'InvalidDuplicateRow',
    'The batch request contains multiple changes with same row key. An entity can appear only once in a batch request.',
  ),
  invalidXmlValue: (node: string) => new ServiceError(400, 'InvalidXmlNodeValue', `The value for one of the XML nodes is not in the correct format. (${node})`),
  invalidQueryParameter: (name: string) => new ServiceError(400, 'InvalidQueryParameterValue', `Value for one of the query parameters specified in the request URI is invalid. (${name})`),
  corsHeaderMissing: (header: string) => new ServiceError(400, 'InvalidHeaderValue', `A required CORS header is not present. (${header})`),
  corsPreflightFailure: err(403, 'CorsPreflightFailure', 'CORS not enabled or no matching rule found for this request.'),
  internal: err(500, 'InternalError', 'The server encountered an internal error. Please retry the request.'),
};

export function asServiceError(e: unknown): ServiceError | undefined {
  return e instanceof ServiceError ? e : undefined;
}
