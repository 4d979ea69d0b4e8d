-- shortgenius.lua — a ShortGenius-style request: `scenes[]` of caption + narration, a voice and
-- a 9:16 aspect ratio. A hook swap on an existing body maps to their "JustTheHook" series type:
-- only the new opening is generated; the body is spliced from the parent ad afterwards.

return function(recipe, options)
  local scenes = {}
  for _, beat in ipairs(recipe.script_beats or {}) do
    scenes[#scenes + 1] = {
      caption = beat.onscreen_text or beat.visual or "",
      narration = beat.spoken or "",
      duration = (beat.end_s or 0) - (beat.start_s or 0),
    }
  end
  local hook_only = recipe.action == "new_hook" or recipe.action == "new_opening_shot"
  return {
    title = recipe.lineage_tag,
    seriesType = hook_only and "JustTheHook" or "HookAndVideo",
    aspectRatio = (recipe.format and recipe.format.aspect_ratio) or "9:16",
    voiceId = options.voice_id or "default",
    scenes = scenes,
    externalId = recipe.id,
  }
end
