return { analysis = 
