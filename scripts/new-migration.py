import asyncio, sys
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine
from lanekit.storage.migrate import alembic_config
async def main():
    eng = create_async_engine("sqlite+aiosqlite:////tmp/gen.sqlite")
    async with eng.begin() as conn:
        await conn.run_sync(lambda s: command.revision(alembic_config(s), message=sys.argv[1], autogenerate=True, rev_id=sys.argv[2]))
asyncio.run(main())
