"""HTTP endpoints of tenants."""

from fastapi import APIRouter

router = APIRouter(tags=["tenants"])
