"""Tool call workflow: stream a response that calls `get_time`, read the call id from the stream, submit the
tool's output to the same response, and retrieve the final answer.

    pip install openai
    python examples/responses_api/tool_calls.py

OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
"""
import json
import os

from openai import OpenAI

GET_TIME = {
    "type": "function",
    # The nested Chat-Completions form; the flat Responses form works as well.
    "function": {
        "name": "get_time",
        "description": "The current time in a time zone",
        "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}},
    },
}


def tool_call_workflow(client: OpenAI, model: str) -> str:
    response_id = tool_call_id = ""
    stream = client.responses.create(model=model, input="What time is it in UTC?", tools=[GET_TIME], stream=True)
    for event in stream:
        if event.type == "response.created":
            response_id = event.response.id
        # The older event: `delta` is a JSON string holding every call known so far.
        elif event.type == "response.tool_call.delta":
            tool_call_id = json.loads(event.delta)[0]["id"]
        elif event.type == "response.completed":
            break
    print(f"response {response_id} asked for tool call {tool_call_id}")

    # No SDK has a method for this endpoint; the generic `post` reaches it.
    client.post(
        f"/responses/{response_id}/submit_tool_outputs",
        body={"tool_call_id": tool_call_id, "output": [{"type": "output_text", "text": "It is 18:42 UTC."}]},
        cast_to=object,
    )
    final = client.responses.retrieve(response_id)
    print(final.output_text)
    return final.output_text


if __name__ == "__main__":
    client = OpenAI(
        base_url=os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1"),
        api_key=os.environ.get("OPENAI_API_KEY", "not-needed-when-auth-is-off"),
    )
    tool_call_workflow(client, os.environ.get("MODEL", "gpt-4o-mini"))
