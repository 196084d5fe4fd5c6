from lanekit.cli import main

raise SystemExit(main())
