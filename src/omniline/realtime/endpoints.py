"""HTTP endpoints of realtime."""

from fastapi import APIRouter

router = APIRouter(tags=["realtime"])
