"""Streaming chat: print the answer as it is generated.

    pip install openai
    python examples/responses_api/streaming_chat.py "Tell me a joke"

OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
"""
import os
import sys

from openai import OpenAI


def streaming_chat(client: OpenAI, model: str, prompt: str) -> str:
    text = ""
    stream = client.responses.create(model=model, input=prompt, stream=True)
    for event in stream:
        if event.type == "response.output_text.delta":
            text += event.delta
            print(event.delta, end="", flush=True)
        elif event.type == "response.completed":
            print()
            break
        elif event.type == "response.failed":
            raise RuntimeError(f"The response failed: {event.response.error.message}")
    return text


if __name__ == "__main__":
    client = OpenAI(
        base_url=os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1"),
        api_key=os.environ.get("OPENAI_API_KEY", "not-needed-when-auth-is-off"),
    )
    model = os.environ.get("MODEL", "gpt-4o-mini")
    streaming_chat(client, model, sys.argv[1] if len(sys.argv) > 1 else "Write a haiku about Postgres.")
