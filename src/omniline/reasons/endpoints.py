"""HTTP endpoints of reasons."""

from fastapi import APIRouter

router = APIRouter(tags=["reasons"])
