"""HTTP endpoints of interactions."""

from fastapi import APIRouter

router = APIRouter(tags=["interactions"])
