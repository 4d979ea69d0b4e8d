-- generic.lua — the recipe itself, unchanged: for generators (or in-house pipelines) that read
-- hookline's recipe format directly (schema hookline.recipes/1).
return function(recipe, options)
  return recipe
end
