/**
 * Every error code the server answers with (`error.code`), and what it means, in one place: ApiError takes no
 * other, so a new code is added here or not at all. `error.param` names what the client sent that is at fault: a
 * body field (`input[2].call_id`), a query parameter, or a path parameter (`response_id`, `conversation_id`). A model backend's own code passed on with its 400 is the one
 * exception (see backend-errors.ts).
 */
export const ERROR_CODES = {
  // 400: the request
  invalid_value: 'A field holds a value the server does not take (the message says which; `param` names it).',
  invalid_type: 'A field holds a value of another type than the API defines (a string for a number…).',
  invalid_json: 'The body is not JSON.',
  invalid_request: 'The request is not valid HTTP, or a model backend refused it as invalid.',
  invalid_encoding: "The body's Content-Encoding could not be decoded.",
  missing_required_parameter: 'A field the request needs is missing.',
  unknown_parameter: 'A field the API does not define.',
  unsupported_parameter: 'A field OpenAI defines that this server cannot honour and will not ignore (`prompt`).',
  mutually_exclusive_parameters: 'Two fields that cannot go together (`previous_response_id` and `conversation`).',
  unsupported_item_type: 'An input item of a type the server does not take.',
  unsupported_tool: 'A tool this server would not offer the model, with STRICT_TOOLS=true.',
  unknown_event_type: 'A WebSocket message of a type the server does not know.',
  invalid_tool_call_id: 'A tool output that answers no call of the conversation.',
  invalid_approval_request_id: 'An mcp_approval_response that answers no approval request of the conversation.',
  invalid_encrypted_content: 'A reasoning item whose encrypted content this server did not seal for this tenant.',
  previous_response_not_found: '`previous_response_id` names no response of this tenant.',
  mcp_server_not_allowed: "An mcp tool's `server_url` is on a host MCP_ALLOWED_HOSTS does not allow.",
  nesting_too_deep: 'The body is nested more than 64 levels deep.',
  too_many_keys: 'An object of the body has more than 5,000 keys, or the body more than 100,000.',
  context_length_exceeded:
    "The conversation or the chain of previous responses holds more than MAX_CONTEXT_BYTES of items (and `truncation` is not 'auto'), or the stored items the input references do.",
  // 401 / 403
  invalid_api_key: 'No API key, or one this server does not know (or has revoked).',
  invalid_project: "`OpenAI-Project` names another tenant than the key's.",
  invalid_admin_key: 'The admin API needs Authorization: Bearer <ADMIN_API_KEY>.',
  admin_api_disabled: 'The admin API is off: ADMIN_API_KEY is not set.',
  // 404 / 405
  not_found: 'No such path.',
  method_not_allowed: 'The path does not take this method.',
  model_not_found: 'No backend serves this model name.',
  response_not_found: 'No response of this tenant has this id (deleted, purged, or never made).',
  conversation_not_found: 'No conversation of this tenant has this id.',
  item_not_found: "No item with this id (in the conversation, or among the tenant's stored output items).",
  api_key_not_found: 'No managed API key has this id.',
  webhook_endpoint_not_found: 'No webhook endpoint has this id.',
  // 408 / 409 / 413 / 415 / 431
  request_timeout: 'The request did not arrive in time.',
  tool_output_already_submitted: 'The tool call already has its output.',
  response_not_waiting_for_tool_output: 'The response is not waiting for tool output.',
  request_too_large: 'The body is larger than BODY_LIMIT (after decompression).',
  unsupported_media_type: 'The body is not application/json, or its encoding is not gzip, deflate, br or zstd.',
  request_header_fields_too_large: 'The request line and headers are larger than 16 KB.',
  // 429
  rate_limit_exceeded: "The tenant's requests or tokens per minute are used up (Retry-After says for how long).",
  queue_full: "Too many background responses wait (MAX_QUEUED_JOBS, or the tenant's share).",
  too_many_uploads: "The caller's request bodies still arriving (and answers not yet read) hold its share of CLIENT_BUFFER_LIMIT (Retry-After).",
  // 499 / 5xx
  client_closed_request: 'The client went away before its answer (nobody reads this one).',
  internal_error: 'A defect of the server (logged).',
  server_error: 'The model backend failed, or the server could not finish the response.',
  storage_error: 'The response finished but could not be stored.',
  database_unavailable: 'The database cannot be reached right now (Retry-After).',
  server_overloaded: 'What the server holds for slow clients (bodies still arriving, answers not yet read) has reached CLIENT_BUFFER_LIMIT (Retry-After).',
  server_shutting_down: 'This replica is shutting down; another takes the request.',
  upstream_auth_error: "The model backend refused this server's credentials (UPSTREAM_API_KEY).",
  upstream_timeout: "The model backend sent nothing for UPSTREAM_TIMEOUT_MS (in a failed response's `error`).",
  upstream_unavailable: "The model backend could not be reached (in a failed response's `error`).",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
