"""``gridpatrol bench …`` harnesses and their anchors."""
