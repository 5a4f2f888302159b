"""HTTP endpoints of audit."""

from fastapi import APIRouter

router = APIRouter(tags=["audit"])
