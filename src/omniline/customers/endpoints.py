"""HTTP endpoints of customers."""

from fastapi import APIRouter

router = APIRouter(tags=["customers"])
