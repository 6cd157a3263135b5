"""Background job with polling: queue a long response, then poll it until it is done (the server may run it on
any replica, and survives a replica's crash).

    pip install openai
    python examples/responses_api/background.py "Summarise the history of Postgres"

OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
"""
import os
import sys
import time

from openai import OpenAI


def background_job(client: OpenAI, model: str, prompt: str, poll_every: float = 1.0) -> str:
    response = client.responses.create(model=model, input=prompt, background=True, store=True)
    print(response.status, response.id)
    while response.status in ("queued", "in_progress"):
        time.sleep(poll_every)
        response = client.responses.retrieve(response.id)
        print(response.status)
    if response.status != "completed":
        raise RuntimeError(f"The response ended {response.status}: {response.error}")
    print(response.output_text)
    return response.output_text


if __name__ == "__main__":
    client = OpenAI(
        base_url=os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/v1"),
        api_key=os.environ.get("OPENAI_API_KEY", "not-needed-when-auth-is-off"),
    )
    prompt = sys.argv[1] if len(sys.argv) > 1 else "Write a short essay about write-ahead logging."
    background_job(client, os.environ.get("MODEL", "gpt-4o-mini"), prompt)
