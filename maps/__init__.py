"""Interactive folium maps for planners, inspectors and leaders."""
