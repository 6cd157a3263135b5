/**
 * Remote MCP tools run by the server: the model may call the tools of an MCP server; each call waits for your
 * approval (require_approval: "always"), which this example asks for on the terminal and sends back.
 *   MCP_SERVER_URL=https://mcp.example.com/mcp npx tsx examples/responses_api/mcp_tools.ts "What is 2 + 3?"
 * OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server; MCP_TOKEN, if set, is
 * sent to the MCP server as a bearer token (the server uses it for the calls and never stores it).
 */
import { createInterface } from 'node:readline/promises';

import OpenAI from 'openai';

type ApprovalRequest = { id: string; server_label: string; name: string; arguments: string };

export async function mcpTools(
  client: OpenAI,
  model: string,
  prompt: string,
  serverUrl: string,
  approve: (request: ApprovalRequest) => Promise<boolean>,
  print: (line: string) => void,
  token?: string,
): Promise<string> {
  // The tool goes with every request: its credentials are not kept between them.
  const tools: OpenAI.Responses.Tool[] = [
    { type: 'mcp', server_label: 'tools', server_url: serverUrl, require_approval: 'always', ...(token ? { authorization: token } : {}) },
  ];
  let response = await client.responses.create({ model, input: prompt, tools });
  for (;;) {
    const requests = response.output.filter((item) => item.type === 'mcp_approval_request') as ApprovalRequest[];
    for (const item of response.output) {
      if (item.type === 'mcp_call') print(`called ${item.server_label}.${item.name}(${item.arguments}) → ${item.output ?? JSON.stringify(item.error)}`);
    }
    if (requests.length === 0) break;
    const answers: OpenAI.Responses.ResponseInputItem[] = [];
    for (const request of requests) {
      answers.push({ type: 'mcp_approval_response', approval_request_id: request.id, approve: await approve(request) });
    }
    response = await client.responses.create({ model, previous_response_id: response.id, input: answers, tools });
  }
  print(response.output_text);
  return response.output_text;
}

if (require.main === module) {
  const client = new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8000/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'not-needed-when-auth-is-off',
  });
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  const ask = async (request: ApprovalRequest) =>
    (await terminal.question(`Allow ${request.server_label}.${request.name}(${request.arguments})? [y/N] `)).trim().toLowerCase() === 'y';
  mcpTools(
    client,
    process.env.MODEL ?? 'gpt-4o-mini',
    process.argv[2] ?? 'What tools do you have?',
    process.env.MCP_SERVER_URL ?? 'http://localhost:3000/mcp',
    ask,
    (line) => console.log(line),
    process.env.MCP_TOKEN,
  )
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => terminal.close());
}
