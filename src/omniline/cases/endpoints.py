"""HTTP endpoints of cases."""

from fastapi import APIRouter

router = APIRouter(tags=["cases"])
