"""The Slack Events API endpoint (placeholder until the Slack adapter lands)."""

from fastapi import APIRouter

router = APIRouter()
