import { backendToolChoice, checkToolChoice, checkTools, offeredFunctions } from './tool-definitions';

describe('checkTools', () => {
  it('accepts both the flat and the nested form and returns the flat one', () => {
    const result = checkTools([
      { type: 'function', name: 'a', parameters: { type: 'object', properties: {} } },
      { type: 'function', function: { name: 'get_time', description: 'Now', parameters: { type: 'object' } } },
    ]);
    expect(result).toEqual({
      value: [
        { type: 'function', name: 'a', description: null, parameters: { type: 'object', properties: {} }, strict: null },
        { type: 'function', name: 'get_time', description: 'Now', parameters: { type: 'object' }, strict: null },
      ],
    });
  });

  it.each([
    [[{ type: 'function', parameters: {} }], 'tools[0].name', /missing its 'name'/],
    [
      [
        { type: 'function', name: 'x' },
        { type: 'function', function: { name: 'x' } },
      ],
      'tools[1].function.name',
      /'x' is defined twice/,
    ],
    [[{ type: 'function', name: 'x', parameters: { type: 'string' } }], 'tools[0].parameters', /'x'.*JSON Schema object/],
    [[{ type: 'function', name: 'x', parameters: [] }], 'tools[0].parameters', /'x'/],
    [[{ type: 'banana' }], 'tools[0].type', /not supported/],
    [[{ type: 'namespace', name: 'ns', tools: [{ type: 'web_search' }] }], 'tools[0].tools[0].type', /function tools only/],
    [
      [
        {
          type: 'namespace',
          name: 'ns',
          tools: [
            { type: 'function', name: 'f' },
            { type: 'function', name: 'f' },
          ],
        },
      ],
      'tools[0].tools[1].name',
      /defined twice/,
    ],
  ])('names the tool and the field in errors (%#)', (tools, param, message) => {
    const result = checkTools(tools) as { param: string; message: string };
    expect(result.param).toBe(param);
    expect(result.message).toMatch(message);
  });
});

describe('offeredFunctions', () => {
  it('flattens namespaces, offers custom tools as functions of one input, and lists the tools that are not offered', () => {
    const checked = checkTools([
      { type: 'function', name: 'shell', parameters: { type: 'object' }, defer_loading: true },
      { type: 'namespace', name: 'multi_agent_v1', description: 'Agents', tools: [{ type: 'function', name: 'spawn_agent' }] },
      { type: 'web_search', external_web_access: false },
      { type: 'custom', name: 'apply_patch' },
    ]) as { value: Parameters<typeof offeredFunctions>[0] };
    const offered = offeredFunctions(checked.value);
    expect(offered.functions.map((tool) => tool.name)).toEqual(['shell', 'multi_agent_v1__spawn_agent', 'apply_patch']);
    expect(offered.names.get('multi_agent_v1__spawn_agent')).toEqual({ namespace: 'multi_agent_v1', name: 'spawn_agent' });
    expect(offered.functions[2].parameters).toMatchObject({ required: ['input'] });
    expect(offered.custom).toEqual(new Set(['apply_patch']));
    expect(offered.notOffered).toEqual(['web_search']);
  });
});

describe('checkToolChoice', () => {
  it('accepts the modes and both function forms', () => {
    expect(checkToolChoice('required')).toEqual({ value: 'required' });
    expect(checkToolChoice({ type: 'function', name: 'f' })).toEqual({ value: { type: 'function', name: 'f' } });
    expect(checkToolChoice({ type: 'function', function: { name: 'f' } })).toEqual({ value: { type: 'function', name: 'f' } });
    expect(checkToolChoice('sometimes')).toMatchObject({ param: 'tool_choice' });
  });

  it('accepts allowed_tools, naming the field at fault otherwise', () => {
    const allowed = { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'f' }] };
    expect(checkToolChoice(allowed)).toEqual({ value: allowed });
    expect(checkToolChoice({ ...allowed, mode: 'none' })).toMatchObject({ param: 'tool_choice.mode' });
    expect(checkToolChoice({ ...allowed, tools: [] })).toMatchObject({ param: 'tool_choice.tools' });
    expect(checkToolChoice({ ...allowed, tools: [{ type: 'function' }] })).toMatchObject({ param: 'tool_choice.tools[0]' });
  });

  it("accepts the choices of custom, client and OpenAI's own tools, and tells a backend what it can act on", () => {
    expect(checkToolChoice({ type: 'custom', name: 'apply_patch' })).toEqual({ value: { type: 'custom', name: 'apply_patch' } });
    expect(checkToolChoice({ type: 'mcp', server_label: 'docs' })).toEqual({ value: { type: 'mcp', server_label: 'docs' } });
    expect(checkToolChoice({ type: 'web_search_preview' })).toEqual({ value: { type: 'web_search_preview' } });
    expect(checkToolChoice({ type: 'custom' })).toMatchObject({ param: 'tool_choice.name' });
    expect(checkToolChoice({ type: 'banana' })).toMatchObject({ param: 'tool_choice' });
    expect(backendToolChoice({ type: 'custom', name: 'apply_patch' })).toEqual({ type: 'function', name: 'apply_patch' });
    expect(backendToolChoice({ type: 'shell' })).toEqual({ type: 'function', name: 'shell' });
    expect(backendToolChoice({ type: 'web_search_preview' })).toBe('auto');
    expect(backendToolChoice('required')).toBe('required');
  });
});
