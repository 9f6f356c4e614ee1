"""The Discord interactions endpoint (placeholder until the Discord adapter lands)."""

from fastapi import APIRouter

router = APIRouter()
