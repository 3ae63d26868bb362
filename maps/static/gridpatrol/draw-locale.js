/* Leaflet.draw speaks the page's language: its toolbar, tooltips and handlers' texts. */
import { t } from './settings.js';

/** Replace L.drawLocal's English with the page's labels (call before creating a Draw control). */
export function localizeDraw() {
  if (!window.L || !L.drawLocal) return;
  const d = L.drawLocal;
  d.draw.toolbar.actions = { title: t('draw_cancel_title'), text: t('cancel') };
  d.draw.toolbar.finish = { title: t('draw_finish_title'), text: t('draw_finish') };
  d.draw.toolbar.undo = { title: t('draw_undo_title'), text: t('draw_undo') };
  d.draw.toolbar.buttons.polygon = t('draw_polygon');
  d.draw.toolbar.buttons.polyline = t('draw_polyline');
  d.draw.toolbar.buttons.rectangle = t('draw_rectangle');
  d.draw.toolbar.buttons.circle = t('draw_circle');
  d.draw.toolbar.buttons.marker = t('draw_marker');
  d.draw.toolbar.buttons.circlemarker = t('draw_marker');
  d.draw.handlers.polygon.tooltip = { start: t('draw_poly_start'), cont: t('draw_poly_cont'), end: t('draw_poly_end') };
  d.draw.handlers.polyline.error = t('draw_error_cross');
  d.draw.handlers.polyline.tooltip = { start: t('draw_line_start'), cont: t('draw_line_cont'), end: t('draw_line_end') };
  d.draw.handlers.rectangle.tooltip = { start: t('draw_rect_start') };
  d.draw.handlers.simpleshape.tooltip = { end: t('draw_shape_end') };
  d.draw.handlers.circle.tooltip = { start: t('draw_circle_start') };
  d.draw.handlers.circle.radius = t('draw_radius');
  d.draw.handlers.marker.tooltip = { start: t('draw_marker_start') };
  d.draw.handlers.circlemarker.tooltip = { start: t('draw_marker_start') };
  d.edit.toolbar.actions.save = { title: t('draw_save_title'), text: t('draw_save') };
  d.edit.toolbar.actions.cancel = { title: t('draw_cancel_title'), text: t('cancel') };
  d.edit.toolbar.actions.clearAll = { title: t('draw_clear_title'), text: t('draw_clear') };
  d.edit.toolbar.buttons = { edit: t('draw_edit'), editDisabled: t('draw_nothing'), remove: t('draw_remove'), removeDisabled: t('draw_nothing') };
  d.edit.handlers.edit.tooltip = { text: t('draw_edit_text'), subtext: t('draw_edit_sub') };
  d.edit.handlers.remove.tooltip = { text: t('draw_remove_text') };
}
